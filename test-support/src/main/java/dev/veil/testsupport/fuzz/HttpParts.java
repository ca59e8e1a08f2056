package dev.veil.testsupport.fuzz;

import dev.veil.model.id.RandomIds;
import java.util.List;

/**
 * The pieces of a request a service must survive whatever they hold: path segments and queries,
 * header values of every shape, media types. Valid values are among them, so requests also get
 * past the first checks.
 */
public final class HttpParts {

  public static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");
  /** Methods no route declares; the last two are not even methods Netty knows. */
  public static final List<String> ODD_METHODS = List.of("TRACE", "PROPFIND", "FOO", "get");

  static final String BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  static final String PRINTABLE = " !\"#$&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
  static final String UNICODE = "äöüßéøłŁжЖジョブ漢字العربيةעברית😀🚀\u200b\u202e\ufeff\ud7ff\ue000\uffff";
  static final String LATIN1 = "\u00a0¡¢£¤¥¦§¨©ª«¬®¯°±²³´µ¶·¸¹º»¼½¾¿ÀÆÐÞßæðþÿ\u0080\u0085\u009f";

  private HttpParts() {}

  public static String method(Pick pick) {
    return pick.percent(95) ? pick.element(METHODS) : pick.element(ODD_METHODS);
  }

  /** A path segment: a well-formed ID, one of {@code known} (IDs that exist), or garbage of every kind. */
  public static String segment(Pick pick, List<String> known) {
    return switch (pick.between(0, 13)) {
      case 0, 1 -> RandomIds.next();
      case 2, 3 -> known.isEmpty() ? RandomIds.next() : pick.element(known);
      case 4 -> pick.string(BASE58, pick.between(1, 60));
      case 5 -> pick.string("0OIl+/=-_", pick.between(1, 44));
      case 6 -> percentEncoded(pick.string(UNICODE, pick.between(1, 12)));
      case 7 -> pick.string(UNICODE, pick.between(1, 8));
      case 8 -> pick.string(BASE58, pick.percent(80) ? pick.between(100, 1000) : pick.element(3000, 9000));
      case 9 -> percentGarbage(pick);
      case 10 -> pick.element("", ".", "..", "%2e%2e", "%2F", "%2f..%2f", "%00", ";", ";a=b", "~", "*", "%", "%%", "%u0041", "+", " ");
      case 11 -> pick.element("null", "undefined", "-1", "0", "9223372036854775808", "1e999", "NaN", "true", "{}", "[]", "current",
          "self", "validate", "events", "stop", "result");
      case 12 -> pick.string(PRINTABLE.replace(" ", "").replace("?", "").replace("#", ""), pick.between(1, 30));
      default -> known.isEmpty() ? RandomIds.next() : pick.element(known) + pick.element("x", "/", "%20", "..", "1", "\u00e9");
    };
  }

  /** Percent signs followed by anything, and encodings of bytes that are not UTF-8. */
  public static String percentGarbage(Pick pick) {
    StringBuilder out = new StringBuilder();
    int parts = pick.between(1, 6);
    for (int i = 0; i < parts; i++) {
      out.append(pick.element("%zz", "%", "%4", "%c0%af", "%ff%fe", "%ed%a0%80", "%f4%90%80%80", "%00", "%0a", "%0d%0a", "%7f",
          "%e2%82", "%25", "%2F", "%5C", "%3F", "%23", "%ZZ%YY", "%%32%65"));
      if (pick.oneIn(2)) {
        out.append(pick.string(BASE58, pick.between(0, 5)));
      }
    }
    return out.toString();
  }

  static String percentEncoded(String text) {
    StringBuilder out = new StringBuilder();
    for (byte b : text.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      out.append('%').append(String.format("%02X", b & 0xff));
    }
    return out.toString();
  }

  /** Nothing, or a query of known names with odd values, or garbage. */
  public static String query(Pick pick, List<String> names) {
    if (pick.percent(60)) {
      return "";
    }
    StringBuilder out = new StringBuilder("?");
    int parts = pick.between(1, 4);
    for (int i = 0; i < parts; i++) {
      if (i > 0) {
        out.append(pick.element("&", "&&", ";"));
      }
      String name = names.isEmpty() || pick.oneIn(3) ? pick.string(BASE58, pick.between(0, 8)) : pick.element(names);
      out.append(name);
      if (!pick.oneIn(5)) {
        out.append('=').append(pick.oneOf(
            p -> Integer.toString(p.between(-5, 70)),
            p -> p.element("", "-1", "0", "1", "abc", "1.5", "1e3", "9999999999", "9223372036854775808", "-9223372036854775809",
                "0x10", " 1", "%201", "NaN", "true", "null"),
            HttpParts::percentGarbage,
            p -> percentEncoded(p.string(UNICODE, p.between(1, 6))),
            p -> p.string(BASE58, p.percent(90) ? p.between(10, 1000) : 5000)));
      }
    }
    return out.toString();
  }

  /** A header value of any shape (never a line break): empty, blank, huge, Latin-1, separators, numbers. */
  public static String garbageValue(Pick pick) {
    return switch (pick.between(0, 9)) {
      case 0 -> "";
      case 1 -> pick.element(" ", "\t", " x ", ",", ";", "=", "\"", "\"\"", "null", "undefined", "*", "-1", "0");
      case 2 -> pick.string(BASE58, pick.between(1, 64));
      case 3 -> pick.string(LATIN1, pick.between(1, 20));
      case 4 -> pick.string(PRINTABLE, pick.between(1, 100));
      case 5 -> pick.string(BASE58, pick.element(1000, 4000, 7000, 9000, 20000));
      case 6 -> RandomIds.next() + pick.element(" ", ",", ", " + RandomIds.next(), "\t", "=", "\u00e9");
      case 7 -> Long.toString(pick.anyLong());
      case 8 -> pick.element("9223372036854775808", "1e309", "-0", "0x1F", "1_000", "\u0661\u0662");
      default -> pick.string(PRINTABLE + LATIN1, pick.between(1, 300));
    };
  }

  public static String contentType(Pick pick) {
    return pick.percent(60) ? pick.element("application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8",
        "application/problem+json", "application/JSON")
        : pick.element("text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=",
            "application/json; charset=ebcdic", "application/json; charset=", "application/json;;;", "application/*", "*/*",
            "application", "/", "", "application/octet-stream", "text/event-stream", "application/xml", "application/json; q=x",
            "application/json; charset=\"", "application/x-ndjson", "application/cbor", garbageValue(pick));
  }

  public static String accept(Pick pick) {
    return pick.element("*/*", "application/json", "application/problem+json", "text/html", "text/plain", "text/event-stream",
        "application/xml", "image/png", "", "*/*;q=0", "application/json;q=0", "application/json;q=abc", "a/b/c", "*", "text/*",
        "application/json, text/html;q=0.1", "*/*;q=1.5", "application/*", garbageValue(pick));
  }
}
