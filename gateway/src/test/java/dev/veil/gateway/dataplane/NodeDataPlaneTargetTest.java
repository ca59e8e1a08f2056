package dev.veil.gateway.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URISyntaxException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The request targets the direct path serves itself: only ones {@code java.net.URI} reads as they are. */
class NodeDataPlaneTargetTest {

  @Test
  void aPathAndQueryAreSplitAsSent() {
    NodeDataPlane.Target target = NodeDataPlane.Target.of("/job-logs/J1?follow=true&from=3");

    assertThat(target.raw()).isEqualTo("/job-logs/J1?follow=true&from=3");
    assertThat(target.path()).isEqualTo("/job-logs/J1");
    assertThat(target.query()).isEqualTo("follow=true&from=3");
  }

  @Test
  void noQueryIsNullAndAnEmptyOneIsEmpty() {
    assertThat(NodeDataPlane.Target.of("/a/b").query()).isNull();
    assertThat(NodeDataPlane.Target.of("/a?").query()).isEmpty();
    assertThat(NodeDataPlane.Target.of("/a?").path()).isEqualTo("/a");
  }

  /** Each is read by java.net.URI as it is, with the same raw path and query (what WebFlux's request would give). */
  @ParameterizedTest
  @ValueSource(strings = {"/", "/service/url/J1", "/a%2Fb/%41?x=%7C", "/a;b=c/d:e@f!$&'()*+,=~._-", "/a?b?c=d/e:f@g",
      "/job-definition/3yZe7d9Q"})
  void whatItServesJavaNetUriReadsTheSame(String raw) throws URISyntaxException {
    NodeDataPlane.Target target = NodeDataPlane.Target.of(raw);
    URI uri = new URI("http://h" + raw);

    assertThat(target).isNotNull();
    assertThat(target.path()).isEqualTo(uri.getRawPath());
    assertThat(target.query()).isEqualTo(uri.getRawQuery());
  }

  /** Absolute-form, asterisk-form, fragments, bad escapes and characters a URI must escape: left to WebFlux. */
  @ParameterizedTest
  @ValueSource(strings = {"", "*", "http://h/a", "a/b", "/a|b", "/a b", "/a\"b", "/a<b>", "/a{b}", "/a\\b", "/a^b", "/a`b",
      "/a#f", "/a%", "/a%4", "/a%zz", "/a?b=%G0", "/a?b=[1]", "/é", "/a\u0000", "/a\tb"})
  void anythingElseIsLeftToWebFlux(String raw) {
    assertThat(NodeDataPlane.Target.of(raw)).isNull();
  }
}
