package dev.veil.cli;

import dev.veil.model.json.VeilJson;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Results go to stdout (one JSON document with {@code --json}); progress and advice to stderr.
 * On a terminal, a status line on stderr says where a job stands while the CLI waits for it; it
 * is cleared before anything else is written, so it never mixes with what is printed.
 */
public final class Output {

  private static final String CLEAR_LINE = "\r\033[K";

  private final boolean json;
  private final boolean statusLine;
  private final PrintWriter out;
  private final PrintWriter err;
  private boolean statusShown;

  public Output(boolean json, PrintWriter out, PrintWriter err) {
    this(json, false, out, err);
  }

  /** With {@code statusLine}: stderr is a terminal, where a line can be redrawn. */
  public Output(boolean json, boolean statusLine, PrintWriter out, PrintWriter err) {
    this.json = json;
    this.statusLine = statusLine;
    this.out = out;
    this.err = err;
  }

  public boolean json() {
    return json;
  }

  /** The command's result: {@code human} as text, or {@code fields} as a JSON object. */
  public synchronized void result(String human, Map<String, ?> fields) {
    clearStatus();
    out.println(json ? new String(VeilJson.write(fields), StandardCharsets.UTF_8) : human);
    out.flush();
  }

  /** A JSON document as received, printed unchanged either way. */
  public synchronized void document(byte[] body) {
    clearStatus();
    out.println(new String(body, StandardCharsets.UTF_8));
    out.flush();
  }

  public synchronized void progress(String line) {
    clearStatus();
    err.println(line);
    err.flush();
  }

  /** A line a job printed: to stdout, or to stderr when the job wrote it there (or the host did). */
  public synchronized void jobLine(boolean toStderr, String line) {
    clearStatus();
    PrintWriter target = toStderr ? err : out;
    target.println(line);
    target.flush();
  }

  /** Shows {@code text} as the status line, replacing the one before; nothing unless stderr is a terminal. */
  public synchronized void status(String text) {
    if (!statusLine) {
      return;
    }
    err.print("\r" + text + "\033[K");
    err.flush();
    statusShown = true;
  }

  /** Takes the status line away, if one is shown. */
  public synchronized void clearStatus() {
    if (statusShown) {
      err.print(CLEAR_LINE);
      err.flush();
      statusShown = false;
    }
  }
}
