package dev.veil.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.id.ExposeIds;
import dev.veil.model.id.RandomIds;
import org.junit.jupiter.api.Test;

class ForwardNameTest {

  private final String job = RandomIds.next();
  private final String service = RandomIds.next();

  @Test
  void theThreeFormsReadBackAsWritten() {
    assertThat(ForwardName.parse("node")).contains(ForwardName.NODE);
    ForwardName publicName = ForwardName.parse("public/" + job + "/2/8080").orElseThrow();
    assertThat(publicName).isEqualTo(new ForwardName.PublicService(job, 2, 8080));
    assertThat(((ForwardName.PublicService) publicName).serviceId()).isEqualTo(ExposeIds.publicId(2, 8080, job));
    assertThat(publicName.job()).contains(job);
    ForwardName privateName = ForwardName.parse("private/" + job + "/" + service).orElseThrow();
    assertThat(privateName).isEqualTo(new ForwardName.PrivateService(job, service));
    ForwardName ownerOnly = ForwardName.parse("owner/" + job + "/" + service).orElseThrow();
    assertThat(ownerOnly).isEqualTo(new ForwardName.PrivateService(job, service, true)).isNotEqualTo(privateName);
    for (ForwardName name : new ForwardName[] {ForwardName.NODE, publicName, privateName, ownerOnly}) {
      assertThat(ForwardName.parse(name.wire())).contains(name);
    }
  }

  @Test
  void addressesAndAnythingMalformedAreNoName() {
    for (String wire : new String[] {"", "127.0.0.1", "localhost", "0.0.0.0", "::1", "169.254.169.254", "Node", "node ",
        "node/x", "public/" + job + "/0/0", "public/" + job + "/0/65536", "public/" + job + "/-1/80", "public/abc/0/80",
        "public/" + job + "/0/80/x", "private/" + job + "/short", "private/" + job + "/" + service + "/x",
        "private/" + job + "/" + service.replace(service.charAt(0), '0'), "public/" + job + "/0/80\n",
        "private/" + job + "/" + "1".repeat(200), "owner/" + job + "/short", "Owner/" + job + "/" + service,
        "owner/" + job + "/0/80"}) {
      assertThat(ForwardName.parse(wire)).as("'%s'", wire).isEmpty();
    }
    assertThat(ForwardName.parse(null)).isEmpty();
  }
}
