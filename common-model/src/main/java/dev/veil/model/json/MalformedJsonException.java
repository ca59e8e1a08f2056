package dev.veil.model.json;

/**
 * A document that is not valid JSON, or not of the expected shape. Says where it broke, as a
 * JSON pointer and, where the parser knows it, a line and column; never echoes the document.
 */
public final class MalformedJsonException extends RuntimeException {

  private final String pointer;
  private final int line;
  private final int column;

  public MalformedJsonException(String message, String pointer, int line, int column) {
    super(message);
    this.pointer = pointer;
    this.line = line;
    this.column = column;
  }

  /** JSON pointer of the value that broke ({@code ""} for the document itself). */
  public String pointer() {
    return pointer;
  }

  /** 1-based line, or -1 if unknown. */
  public int line() {
    return line;
  }

  /** 1-based column, or -1 if unknown. */
  public int column() {
    return column;
  }

  /** One sentence for a person: what broke and where. */
  public String describe() {
    StringBuilder where = new StringBuilder();
    if (!pointer.isEmpty()) {
      where.append(" at ").append(pointer);
    }
    if (line > 0) {
      where.append(pointer.isEmpty() ? " at" : ",").append(" line ").append(line).append(" column ").append(column);
    }
    return getMessage() + where;
  }
}
