package dev.veil.cli;

import dev.veil.model.json.VeilJson;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Results go to stdout (one JSON document with {@code --json}); progress and advice to stderr. */
public final class Output {

  private final boolean json;
  private final PrintWriter out;
  private final PrintWriter err;

  public Output(boolean json, PrintWriter out, PrintWriter err) {
    this.json = json;
    this.out = out;
    this.err = err;
  }

  public boolean json() {
    return json;
  }

  /** The command's result: {@code human} as text, or {@code fields} as a JSON object. */
  public void result(String human, Map<String, ?> fields) {
    out.println(json ? new String(VeilJson.write(fields), StandardCharsets.UTF_8) : human);
    out.flush();
  }

  /** A JSON document as received, printed unchanged either way. */
  public void document(byte[] body) {
    out.println(new String(body, StandardCharsets.UTF_8));
    out.flush();
  }

  public void progress(String line) {
    err.println(line);
    err.flush();
  }
}
