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
}
