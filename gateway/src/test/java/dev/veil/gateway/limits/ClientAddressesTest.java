package dev.veil.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.gateway.config.GatewayProperties;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

class ClientAddressesTest {

  private static final InetSocketAddress PROXY = new InetSocketAddress("127.0.0.5", 40000);

  private static ClientAddresses behind(int hops) {
    return new ClientAddresses(new GatewayProperties.RateLimit(true, 100, 200, hops, 1000));
  }

  private static MockServerHttpRequest.BaseBuilder<?> from(InetSocketAddress peer) {
    return MockServerHttpRequest.get("/").remoteAddress(peer);
  }

  @Test
  void withoutTrustedProxiesTheConnectionsAddressCountsWhateverTheHeaderSays() {
    assertThat(behind(0).of(from(PROXY).header("X-Forwarded-For", "203.0.113.7").build())).isEqualTo("127.0.0.5");
  }

  @Test
  void behindProxiesTheEntryThatManyPlacesFromTheEndCounts() {
    assertThat(behind(1).of(from(PROXY).header("X-Forwarded-For", "198.51.100.1, 203.0.113.7").build())).isEqualTo("203.0.113.7");
    assertThat(behind(2).of(from(PROXY).header("X-Forwarded-For", "198.51.100.1,203.0.113.7").build())).isEqualTo("198.51.100.1");
    // Fewer entries than hops: the first.
    assertThat(behind(3).of(from(PROXY).header("X-Forwarded-For", "203.0.113.7").build())).isEqualTo("203.0.113.7");
  }

  @Test
  void addressesAreNormalisedAndZonesDropped() {
    assertThat(behind(1).of(from(PROXY).header("X-Forwarded-For", "2001:DB8:0:0:0:0:0:1").build())).isEqualTo("2001:db8:0:0:0:0:0:1");
    assertThat(behind(0).of(from(new InetSocketAddress("fe80::1%1", 1)).build())).doesNotContain("%");
  }

  @Test
  void aNameIsAKeyNeverLookedUp() {
    // "dead.beef" and "999.1.1.1" would be DNS look-ups on the event loop if parsed as addresses.
    assertThat(behind(1).of(from(PROXY).header("X-Forwarded-For", "dead.beef").build())).isEqualTo("dead.beef");
    assertThat(behind(1).of(from(PROXY).header("X-Forwarded-For", "999.1.1.1").build())).isEqualTo("999.1.1.1");
    assertThat(behind(1).of(from(PROXY).header("X-Forwarded-For", "x".repeat(1000)).build())).hasSize(255);
    for (String odd : new String[] {".:", "%:", "..::1", "fe80::1%abc"}) {
      assertThat(behind(1).of(from(PROXY).header("X-Forwarded-For", odd).build())).as(odd).isNotEqualTo("127.0.0.5");
    }
  }

  @Test
  void twoForwardedForHeadersOrAnEmptyOneCountAsNone() {
    assertThat(behind(1).of(from(PROXY).header("X-Forwarded-For", "203.0.113.7").header("X-Forwarded-For", "198.51.100.1").build()))
        .isEqualTo("127.0.0.5");
    assertThat(behind(1).of(from(PROXY).header("X-Forwarded-For", " ").build())).isEqualTo("127.0.0.5");
  }
}
