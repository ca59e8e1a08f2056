package dev.veil.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.transport.DockerHttpClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The follower's stepwise reads against an engine whose log is set by the test: every record
 * handed on once and in order, whatever the {@code since} filter leaves out or the log does.
 * (A real engine cannot be made to put a record exactly on a second, or to rewrite its log.)
 */
class LogFollowerTest {

  /** An engine serving a log of records (second, text); {@code since} as Podman applies it: records strictly after. */
  static final class FakeEngine implements DockerHttpClient {
    final List<long[]> times = new ArrayList<>();
    final List<String> texts = new ArrayList<>();
    final List<String> asked = new ArrayList<>();
    boolean exactSecondLeftOut = true;

    void write(long nanosOfDay, String text) {
      times.add(new long[] {nanosOfDay});
      texts.add(text);
    }

    @Override
    public Response execute(Request request) {
      asked.add(request.path());
      Matcher since = Pattern.compile("since=(\\d+)").matcher(request.path());
      long sinceNanos = since.find() ? Long.parseLong(since.group(1)) * 1_000_000_000L : -1;
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      for (int i = 0; i < texts.size(); i++) {
        long t = times.get(i)[0];
        boolean included = sinceNanos < 0 || t > sinceNanos || (!exactSecondLeftOut && t == sinceNanos);
        if (included) {
          Instant at = Instant.EPOCH.plusNanos(t);
          byte[] payload = (at.toString().replace("Z", "").split("\\.")[0] + "Z " + texts.get(i) + "\n").getBytes(StandardCharsets.UTF_8);
          body.write(1);
          body.writeBytes(new byte[] {0, 0, 0});
          body.writeBytes(new byte[] {(byte) (payload.length >>> 24), (byte) (payload.length >>> 16), (byte) (payload.length >>> 8),
              (byte) payload.length});
          body.writeBytes(payload);
        }
      }
      byte[] bytes = body.toByteArray();
      return new Response() {
        @Override
        public int getStatusCode() {
          return 200;
        }

        @Override
        public Map<String, List<String>> getHeaders() {
          return Map.of();
        }

        @Override
        public InputStream getBody() {
          return new ByteArrayInputStream(bytes);
        }

        @Override
        public void close() {
        }
      };
    }

    @Override
    public void close() {
    }
  }

  static final long SECOND = 1_000_000_000L;

  final FakeEngine engine = new FakeEngine();
  final List<String> lines = new ArrayList<>();
  final LogFollower follower = new EngineLogs(engine).follower("c1", 1024, line -> lines.add(line.text()));

  void step() {
    follower.readNew().block(Duration.ofSeconds(5));
  }

  @Test
  void eachStepHandsOnWhatIsNewOnceAskingOnlySinceTheLastSecondSeen() {
    engine.write(100 * SECOND + 1, "a");
    engine.write(100 * SECOND + 2, "b");
    step();
    engine.write(100 * SECOND + 3, "c");
    engine.write(101 * SECOND + 5, "d");
    step();
    step();
    engine.write(102 * SECOND + 7, "e");
    follower.readRest().block(Duration.ofSeconds(5));

    assertThat(lines).containsExactly("a", "b", "c", "d", "e");
    assertThat(engine.asked.get(0)).doesNotContain("since=");
    assertThat(engine.asked.get(1)).contains("since=100");
    assertThat(engine.asked.get(2)).contains("since=101");
    assertThat(engine.asked.get(3)).contains("since=101");
    assertThat(engine.asked).hasSize(4);
  }

  @Test
  void aRecordExactlyOnTheSecondWhichSinceLeavesOutIsNotTakenForANewOne() {
    engine.write(100 * SECOND, "on the second");
    engine.write(100 * SECOND + 9, "after it");
    step();
    engine.write(100 * SECOND + 10, "next");
    step();

    // The since-read lacked "on the second": its check failed, and a whole read skipped what was seen.
    assertThat(lines).containsExactly("on the second", "after it", "next");
    assertThat(engine.asked.get(2)).doesNotContain("since=");
  }

  @Test
  void aLogRewrittenUnderTheFollowerIsReadOnRatherThanNeverAgain() {
    engine.write(100 * SECOND + 1, "a");
    engine.write(100 * SECOND + 2, "b");
    step();
    // The engine's log no longer starts as it did (rotated): what comes after the records read is still handed on.
    engine.texts.set(1, "B");
    engine.write(100 * SECOND + 3, "c");
    step();
    engine.write(101 * SECOND, "d");
    step();

    assertThat(lines).containsExactly("a", "b", "c", "d");
  }

  @Test
  void afterTheRestNothingIsReadAgain() {
    engine.write(100 * SECOND + 1, "whole");
    step();
    follower.readRest().block(Duration.ofSeconds(5));
    engine.write(100 * SECOND + 2, "after the end");
    follower.readRest().block(Duration.ofSeconds(5));
    step();
    assertThat(lines).containsExactly("whole");
    assertThat(engine.asked).hasSize(2);
  }
}
