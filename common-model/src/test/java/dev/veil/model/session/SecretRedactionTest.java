package dev.veil.model.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.id.RandomIds;
import dev.veil.model.json.VeilJson;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Types that carry a session ID print it nowhere but on the wire. */
class SecretRedactionTest {

  private final String sessionId = RandomIds.next();

  @Test
  void sessionResponsePrintsNoSessionIdButSerialisesIt() {
    SessionResponse response = new SessionResponse(sessionId, "owner", 1L, null, null);

    assertThat(response.toString()).doesNotContain(sessionId).contains("owner=owner");
    assertThat(new String(VeilJson.write(response), StandardCharsets.UTF_8)).contains(sessionId);
  }

  @Test
  void validationRequestPrintsNoSessionIdButSerialisesIt() {
    ValidationRequest request = new ValidationRequest(sessionId, "job", null);

    assertThat(request.toString()).doesNotContain(sessionId).contains("jobId=job");
    assertThat(new String(VeilJson.write(request), StandardCharsets.UTF_8)).contains(sessionId);
  }
}
