package dev.veil.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;

class NodeApiPathsTest {

  final NodeApiPaths paths = new NodeApiPaths(List.of("/job-definition/", "/job-result/", "/service/url/"));

  @Test
  void letsThroughAPathUnderAnyPrefixAndNothingElse() {
    assertThat(paths.allows("/job-definition/j1")).isTrue();
    assertThat(paths.allows("/service/url/j1")).isTrue();
    assertThat(paths.allows("/actuator/env")).isFalse();
    assertThat(paths.allows("/job-definition")).isFalse();
    assertThat(paths.allows("/")).isFalse();
  }

  @Test
  void refusesDotSegmentsAndEscapesUnderAPrefix() {
    assertThat(paths.allows("/job-result/../actuator/env")).isFalse();
    assertThat(paths.allows("/job-result/%2e%2e/actuator")).isFalse();
  }

  @Test
  void aResultReadIsAGetOfAJobsResultInEitherForm() {
    assertThat(ResultReceipts.isCollecting(HttpMethod.GET, "/job-result/j1")).isTrue();
    assertThat(ResultReceipts.isCollecting(HttpMethod.GET, "/job/j1/results")).isTrue();
    assertThat(ResultReceipts.isCollecting(HttpMethod.POST, "/job-result/j1")).isFalse();
    assertThat(ResultReceipts.isCollecting(HttpMethod.GET, "/job-result/j1/more")).isFalse();
    assertThat(ResultReceipts.isCollecting(HttpMethod.GET, "/job/j1/results/x")).isFalse();
    assertThat(ResultReceipts.isCollecting(HttpMethod.GET, "/job-logs/j1")).isFalse();
    assertThat(ResultReceipts.isCollecting(HttpMethod.GET, "/x/job-result/j1")).isFalse();
  }
}
