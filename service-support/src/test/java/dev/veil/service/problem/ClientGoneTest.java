package dev.veil.service.problem;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import reactor.netty.channel.AbortedException;

class ClientGoneTest {

  @Test
  void aClientThatWentAwayIsToldApartFromAFailure() {
    assertThat(ProblemMapping.isClientGone(new AbortedException("Connection has been closed BEFORE send operation"))).isTrue();
    assertThat(ProblemMapping.isClientGone(new IllegalStateException(new AbortedException("closed")))).isTrue();
    assertThat(ProblemMapping.isClientGone(new IllegalStateException("bug"))).isFalse();
  }

  @Test
  void anUpstreamThatClosedWhileTheRequestWasSentIsA502NotAClientGone() throws Exception {
    // What Reactor Netty's client raises when the upstream's connection closes as the request is written.
    java.lang.reflect.Constructor<?> premature = Class.forName("reactor.netty.http.client.PrematureCloseException")
        .getDeclaredConstructor(Throwable.class);
    premature.setAccessible(true);
    Throwable error = (Throwable) premature.newInstance(new AbortedException("closed"));

    assertThat(ProblemMapping.isClientGone(error)).isFalse();
    assertThat(new ProblemMapping(java.util.List.of()).toResponse(error).getStatusCode().value()).isEqualTo(502);
  }
}
