package dev.veil.testsupport.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Bodies made from good examples (the seed JSON of {@code spec/}, a valid request): sent as they
 * are, or with fields removed, values of the wrong type, huge or odd numbers, huge and unicode
 * strings, unknown fields, deep nesting; or cut short, with a stray byte, not JSON at all, empty,
 * binary.
 */
public final class JsonMutator {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  /** Mutations stop once a body is this long: a service's limit (413) is tried, without building gigabytes. */
  private static final int MAX_BODY = 6_000_000;
  /** Stands for deeply nested arrays in the tree, written out as text: the tree itself would refuse to be that deep. */
  private static final String DEEP = "\u0001deep\u0001";

  private JsonMutator() {}

  /** A body made from one of {@code seeds} (JSON texts): about a fifth as is, the rest mutated in tree or text. */
  public static byte[] mutate(Pick pick, List<String> seeds) {
    String seed = pick.element(seeds);
    int how = pick.between(0, 99);
    if (how < 20) {
      return seed.getBytes(StandardCharsets.UTF_8);
    }
    if (how < 75) {
      JsonNode tree = JSON.readTree(seed);
      int mutations = pick.between(1, 3);
      for (int i = 0; i < mutations && JSON.writeValueAsString(tree).length() < MAX_BODY; i++) {
        tree = mutateTree(pick, tree);
      }
      return written(pick, tree);
    }
    if (how < 92) {
      return mutateText(pick, seed.getBytes(StandardCharsets.UTF_8));
    }
    return notJson(pick);
  }

  private static byte[] written(Pick pick, JsonNode tree) {
    String text = JSON.writeValueAsString(tree);
    int depth = pick.element(5, 100, 999, 1001, 3000, 20000);
    String deep = "[".repeat(depth) + "1" + "]".repeat(depth);
    return text.replace("\"" + DEEP + "\"", deep).getBytes(StandardCharsets.UTF_8);
  }

  /** Changes one node of {@code root} (picked among all of them); the changed root. */
  static JsonNode mutateTree(Pick pick, JsonNode root) {
    List<JsonNode> containers = new ArrayList<>();
    collect(root, containers);
    if (containers.isEmpty() || pick.oneIn(20)) {
      return odd(pick);
    }
    JsonNode target = pick.element(containers);
    if (target instanceof ObjectNode object) {
      List<String> names = new ArrayList<>(object.propertyNames());
      String name = names.isEmpty() || pick.oneIn(5) ? unknownName(pick) : pick.element(names);
      switch (pick.between(0, 3)) {
        case 0 -> object.remove(name);
        case 1 -> object.set(name, odd(pick));
        case 2 -> object.set(unknownName(pick), odd(pick));
        default -> object.set(name, object.get(name) == null ? odd(pick) : wrapped(pick, object.get(name)));
      }
    } else if (target instanceof ArrayNode array) {
      int index = array.isEmpty() ? 0 : pick.between(0, array.size() - 1);
      switch (pick.between(0, 3)) {
        case 0 -> {
          if (!array.isEmpty()) {
            array.remove(index);
          }
        }
        case 1 -> array.add(odd(pick));
        case 2 -> {
          JsonNode element = array.isEmpty() ? odd(pick) : array.get(index);
          int copies = JSON.writeValueAsString(element).length() > 1000 ? 2 : pick.element(2, 50, 500);
          for (int i = 0; i < copies; i++) {
            array.add(element.deepCopy());
          }
        }
        default -> {
          if (!array.isEmpty()) {
            array.set(index, odd(pick));
          }
        }
      }
    }
    return root;
  }

  private static void collect(JsonNode node, List<JsonNode> out) {
    if (node.isContainer()) {
      out.add(node);
      node.values().forEach(child -> collect(child, out));
    }
  }

  private static String unknownName(Pick pick) {
    return pick.element("unknown", "", "__proto__", "constructor", "$type", "@class", "jobId", "owner", "state", "nodeId",
        "id", "ID", "Ops", "definition ", "\u0000", "é", pick.string(HttpParts.BASE58, pick.between(1, 12)));
  }

  private static JsonNode wrapped(Pick pick, JsonNode value) {
    return pick.oneIn(2) ? NODES.arrayNode().add(value) : NODES.objectNode().set("value", value);
  }

  /** A value of any JSON type, chosen to break parsers and validators: odd numbers, huge strings, unicode, empties. */
  static JsonNode odd(Pick pick) {
    return switch (pick.between(0, 11)) {
      case 0 -> NODES.nullNode();
      case 1 -> NODES.booleanNode(pick.oneIn(2));
      case 2 -> NODES.numberNode(pick.element(0L, -1L, 1L, Long.MAX_VALUE, Long.MIN_VALUE, (long) Integer.MAX_VALUE + 1, 86_400_001L));
      case 3 -> NODES.numberNode(new java.math.BigInteger("9".repeat(pick.element(20, 400, 1100))));
      case 4 -> NODES.numberNode(pick.element(1.5, -0.0, 1e308, 4.9e-324, 3600.0000001));
      case 5 -> NODES.stringNode(pick.element("", " ", "0", "true", "null", "ubuntu", "container/run", "api-listen", "private",
          "container", "0.1", "docker.io/library/ubuntu:latest@sha256:" + "a".repeat(64)));
      case 6 -> NODES.stringNode(pick.string(HttpParts.UNICODE, pick.between(1, 40)));
      case 7 -> NODES.stringNode(pick.string(HttpParts.BASE58, pick.element(1000, 17000, 100_000)));
      case 8 -> NODES.arrayNode();
      case 9 -> NODES.objectNode();
      case 10 -> NODES.stringNode(DEEP);
      default -> NODES.stringNode(pick.string("\u0000\u0001\u001f\"\\/\b\f\n\r\t\u2028\u2029", pick.between(1, 10)));
    };
  }

  /** The seed's text, damaged: cut, a byte changed, inserted or dropped, garbage around it, a key repeated. */
  static byte[] mutateText(Pick pick, byte[] seed) {
    int at = seed.length == 0 ? 0 : pick.between(0, seed.length - 1);
    return switch (pick.between(0, 6)) {
      case 0 -> java.util.Arrays.copyOf(seed, at);
      case 1 -> {
        byte[] changed = seed.clone();
        if (changed.length > 0) {
          changed[at] = (byte) pick.between(0, 255);
        }
        yield changed;
      }
      case 2 -> concat(java.util.Arrays.copyOf(seed, at), pick.bytes(pick.between(1, 4)),
          java.util.Arrays.copyOfRange(seed, at, seed.length));
      case 3 -> concat(java.util.Arrays.copyOf(seed, at), java.util.Arrays.copyOfRange(seed, Math.min(seed.length, at + 1), seed.length));
      case 4 -> concat(seed, pick.element("}", "]", ",", "{}", " garbage", "\u0000", "\n\n\n").getBytes(StandardCharsets.UTF_8));
      case 5 -> concat(pick.element("\ufeff", " ", "[", "\u0000", "//\n").getBytes(StandardCharsets.UTF_8), seed);
      default -> {
        String text = new String(seed, StandardCharsets.UTF_8);
        int brace = text.indexOf('{', 1);
        int colon = text.indexOf(':', Math.max(brace, 0));
        int keyStart = brace < 0 ? -1 : text.indexOf('"', brace);
        yield (brace < 0 || colon < 0 || keyStart < 0 ? text + text
            : text.substring(0, brace + 1) + text.substring(keyStart, colon) + ": 1, " + text.substring(brace + 1))
            .getBytes(StandardCharsets.UTF_8);
      }
    };
  }

  private static byte[] notJson(Pick pick) {
    return switch (pick.between(0, 5)) {
      case 0 -> new byte[0];
      case 1 -> pick.bytes(pick.element(1, 16, 1000, 20000));
      case 2 -> pick.element("null", "true", "0", "\"\"", "[]", "{}", "[{}]", "\"x\"", "1e999", "{\"a\":", "{", "}", "nul",
          "{'a': 1}", "{a: 1}", "[,]", "{\"a\":1,}", "NaN", "\ufeff{}").getBytes(StandardCharsets.UTF_8);
      case 3 -> pick.string(HttpParts.UNICODE + HttpParts.PRINTABLE, pick.between(1, 200)).getBytes(StandardCharsets.UTF_8);
      case 4 -> ("{\"a\":\"" + "x".repeat(pick.element(10, 20000, 5_000_000)) + "\"}").getBytes(StandardCharsets.UTF_8);
      default -> new byte[] {(byte) 0xff, (byte) 0xfe, 0, '{', 0, '}'};
    };
  }

  private static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
