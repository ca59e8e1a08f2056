package dev.veil.service.problem;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.http.ProblemDetail;

class DataStoreFailuresTest {

  final DataStoreFailures failures = new DataStoreFailures();

  String detail(Throwable error) {
    return failures.classify(error).map(ProblemDetail::getDetail).orElse(null);
  }

  @Test
  void aStoreThatCannotBeReachedAcceptedNothing() {
    assertThat(detail(new RedisConnectionException("refused"))).contains("nothing was accepted");
  }

  @Test
  void aStoreThatDidNotAnswerInTimeMayHaveMadeTheChange() {
    // The command was sent; only its answer is missing: saying "nothing was accepted" would be a guess.
    assertThat(detail(new QueryTimeoutException("late", new RedisCommandTimeoutException("late"))))
        .contains("may or may not have been made").doesNotContain("nothing was accepted");
    assertThat(detail(new RedisCommandTimeoutException("late"))).contains("may or may not have been made");
  }

  @Test
  void anErrorRedisAnsweredIsOursNotAnOutage() {
    assertThat(failures.classify(new RedisCommandExecutionException("ERR wrong"))).isEmpty();
  }
}
