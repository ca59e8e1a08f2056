package dev.veil.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NodeDomainHostTest {

  static final String ID = "2AQQvThDv6KfCbEpjyFdiTfCrF9pN6WxBHjoBGUTt3HS";
  final NodeDomainHost hosts = new NodeDomainHost("node.localhost");

  @Test
  void readsTheIdWithOrWithoutPortAndTrailingDot() {
    assertThat(hosts.id(ID + ".node.localhost")).contains(ID);
    assertThat(hosts.id(ID + ".node.localhost:8080")).contains(ID);
    assertThat(hosts.id(ID + ".node.localhost.")).contains(ID);
    assertThat(hosts.id(ID + ".NODE.localhost:80")).contains(ID);
  }

  @Test
  void keepsTheIdsCaseBecauseBase58IsCaseSensitive() {
    assertThat(hosts.id("2aqqvthdv6kfcbepjyfditfcrf9pn6wxbhjobgutt3hs.node.localhost"))
        .contains("2aqqvthdv6kfcbepjyfditfcrf9pn6wxbhjobgutt3hs");
  }

  @Test
  void anythingButOneBase58LabelIsNoName() {
    assertThat(hosts.id("node.localhost")).isEmpty();
    assertThat(hosts.id(".node.localhost")).isEmpty();
    assertThat(hosts.id("a." + ID + ".node.localhost")).isEmpty();
    assertThat(hosts.id(ID.replace('2', '0') + ".node.localhost")).isEmpty(); // 0 is not base58
    assertThat(hosts.id(ID + ".node.localhost:http")).isEmpty();
    assertThat(hosts.id(ID + ".node.localhost.evil.example")).isEmpty();
    assertThat(hosts.id(ID + "node.localhost")).isEmpty();
    assertThat(hosts.id("user@" + ID + ".node.localhost")).isEmpty();
    assertThat(hosts.id(null)).isEmpty();
    assertThat(hosts.id("")).isEmpty();
  }

  @Test
  void anIdIsSixteenToSixtyFourBase58CharactersAndAPortOneToFiveAsciiDigits() {
    assertThat(hosts.id(ID.substring(0, 16) + ".node.localhost")).contains(ID.substring(0, 16));
    assertThat(hosts.id(ID.substring(0, 15) + ".node.localhost")).isEmpty();
    String longest = (ID + ID).substring(0, 64);
    assertThat(hosts.id(longest + ".node.localhost")).contains(longest);
    assertThat(hosts.id(longest + "z.node.localhost")).isEmpty();
    for (char notBase58 : "0OIl-_+\u00e9\u0661".toCharArray()) {
      assertThat(hosts.id(notBase58 + ID.substring(1) + ".node.localhost")).as("with %s", notBase58).isEmpty();
    }
    assertThat(hosts.id(ID + ".node.localhost:65535")).contains(ID);
    assertThat(hosts.id(ID + ".node.localhost:123456")).isEmpty();
    assertThat(hosts.id(ID + ".node.localhost:")).isEmpty();
    assertThat(hosts.id(ID + ".node.localhost:8\u0660")).isEmpty(); // an Arabic-Indic zero is no ASCII digit
    assertThat(hosts.isUnderDomain("x.node.localhost:")).isFalse();
  }

  @Test
  void tellsWhetherAHostIsUnderTheNodeDomainAtAll() {
    assertThat(hosts.isUnderDomain("x.node.localhost:8080")).isTrue();
    assertThat(hosts.isUnderDomain("a.b.node.localhost")).isTrue();
    assertThat(hosts.isUnderDomain("localhost:8080")).isFalse();
    assertThat(hosts.isUnderDomain("node.localhost")).isFalse();
    assertThat(hosts.isUnderDomain("evilnode.localhost")).isFalse();
  }
}
