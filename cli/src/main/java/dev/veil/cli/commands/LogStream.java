package dev.veil.cli.commands;

import dev.veil.cli.CliException;
import dev.veil.cli.ExitCodes;
import dev.veil.cli.VeilCli;
import dev.veil.cli.http.Gateway;
import dev.veil.model.json.VeilJson;
import dev.veil.model.result.JobLogLine;
import dev.veil.model.sealing.SealedLog;
import dev.veil.model.sealing.SealedResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

/**
 * Prints a job's log from its host ({@code GET /job-logs/{jobId}}) as the lines come. Following,
 * it comes back after a dropped or silent connection and resumes after the last line it printed
 * ({@code Last-Event-ID}), so no line is lost or printed twice, until the log is complete.
 */
final class LogStream {

  private static final int MAX_RECONNECTS_IN_A_ROW = 30;

  private final VeilCli.Context c;
  private final boolean prefix;
  private final boolean toStderr;
  private long last;
  private long printed;
  private volatile boolean cancelled;
  private volatile InputStream stream;
  // The node's encryption key, checked against its node ID: what a sealed log must be sealed with.
  private byte[] nodeKey;

  /**
   * @param prefix   each line starts with its op's ID
   * @param toStderr every line to stderr (stdout keeps one JSON document); else a job's stdout to
   *                 stdout and its stderr to stderr, or each line's JSON to stdout with {@code --json}
   */
  LogStream(VeilCli.Context c, boolean prefix, boolean toStderr) {
    this.c = c;
    this.prefix = prefix;
    this.toStderr = toStderr;
  }

  /** Lines printed so far. */
  long printed() {
    return printed;
  }

  /**
   * Prints the log: all of it, following until it is complete, or what exists now. The job's end
   * status ({@code success}, ...) once the log is complete; null when not following and the job
   * still runs.
   */
  String print(String jobId, String nodeId, boolean follow, boolean sealed) {
    int failuresInARow = 0;
    while (!cancelled) {
      try {
        String session = c.identity().sessionFor(jobId, nodeId);
        String end = readOnce(jobId, nodeId, session, follow, sealed);
        if (end != null || !follow) {
          return end;
        }
        failuresInARow = 0;
      } catch (Gateway.Unavailable outage) {
        // The host's tunnel is down for a moment, or the gateway: come back, as it asks.
        if (++failuresInARow > MAX_RECONNECTS_IN_A_ROW) {
          throw outage;
        }
        pause(Duration.ofSeconds(Math.min(outage.retryAfterSeconds(), 5)));
        continue;
      } catch (CliException e) {
        // Unreachable for a moment, or the host still counts a stream this one replaced (429): come back.
        boolean passing = e.exitCode() == ExitCodes.UNREACHABLE || e instanceof Gateway.TooManyRequests;
        if (!passing || !follow || ++failuresInARow > MAX_RECONNECTS_IN_A_ROW) {
          throw e;
        }
        pause(Duration.ofSeconds(e instanceof Gateway.TooManyRequests busy ? Math.min(busy.retryAfterSeconds(), 10) : 1));
        continue;
      }
      // The stream ended without the log's end: dropped. Resume after the last line printed.
      pause(Duration.ofSeconds(1));
    }
    return null;
  }

  /**
   * Stops printing: no line is printed after this returns, and following ends. The stream is
   * closed on a thread of its own: closing a response stream waits for a read blocked on it (the
   * JDK's HTTP streams hold a lock while they read), and the caller must not wait for that.
   */
  void cancel() {
    cancelled = true;
    InputStream current = stream;
    if (current != null) {
      Thread closer = new Thread(() -> close(current), "veil-log-close");
      closer.setDaemon(true);
      closer.start();
    }
  }

  /**
   * One connection: the end's status, or null when it ended (or went silent) before the end.
   * {@code sealed}: the job's result is sealed to this client's key, so its log must come sealed
   * too ({@link SealedLog}); every event is opened in the order it came, one not sealed is refused.
   */
  private String readOnce(String jobId, String nodeId, String session, boolean follow, boolean sealed) {
    InputStream stream = c.gateway().nodeStream(nodeId, "/job-logs/" + jobId + (follow ? "" : "?follow=false"), session,
        last > 0 ? last : null);
    this.stream = stream;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      String line;
      Long id = null;
      String event = null;
      String data = null;
      SealedLog.Opener opener = null;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("id: ")) {
          id = Long.parseLong(line.substring(4).strip());
        } else if (line.startsWith("event: ")) {
          event = line.substring(7).strip();
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        } else if (line.isEmpty()) {
          if ("sealed".equals(event) && data != null && sealed && opener == null) {
            if (nodeKey == null) {
              nodeKey = JobWatcher.nodeKey(c, nodeId);
            }
            opener = SealedLog.Opener.of(c.identity().encryptionKey(), nodeKey, jobId, nodeId, data);
          } else if (("log".equals(event) || "end".equals(event)) && data != null) {
            if (sealed && opener == null) {
              throw new CliException(ExitCodes.DENIED, "the log of " + jobId + " came unsealed, though its result is sealed "
                  + "to this client's key: not showing it");
            }
            if (opener != null) {
              data = new String(opener.open(event, id == null ? "" : id.toString(), data), StandardCharsets.UTF_8);
            }
          }
          if ("log".equals(event) && data != null && id != null && id > last) {
            show(data);
            last = id;
          } else if ("end".equals(event) && data != null) {
            JsonNode end = VeilJson.lenient().readTree(data);
            return end.path("status").asString();
          }
          id = null;
          event = null;
          data = null;
        }
      }
      return null;
    } catch (IOException e) {
      // Dropped, or silent past the gateway client's read timeout (Gateway.STREAM_SILENCE; the
      // agent writes a keep-alive comment well within it): the caller resumes when following.
      return null;
    } catch (SealedResult.NotOpened e) {
      throw new CliException(ExitCodes.DENIED, "the log of " + jobId + " does not open with this client's key ("
          + c.identity().encryptionKeyFile() + "): " + e.getMessage());
    }
  }

  private void show(String data) {
    if (cancelled) {
      return;
    }
    printed++;
    if (c.out().json() && !toStderr) {
      c.out().jobLine(false, data);
      return;
    }
    JobLogLine line = VeilJson.lenient().readValue(data, JobLogLine.class);
    String text = prefix ? line.opId() + " | " + line.log() : line.log();
    c.out().jobLine(toStderr || !"stdout".equals(line.type()), text);
  }

  private static void close(InputStream stream) {
    try {
      stream.close();
    } catch (IOException ignored) {
      // closing is all that was wanted
    }
  }

  private static void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.FAILED, "interrupted");
    }
  }
}
