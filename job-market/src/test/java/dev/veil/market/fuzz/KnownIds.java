package dev.veil.market.fuzz;

import dev.veil.testsupport.fuzz.FuzzResponse;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The job and result IDs the market has handed out during a run, so later requests name things that exist. */
final class KnownIds {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final int KEPT = 64;

  private final List<String> ids = new ArrayList<>();

  List<String> all() {
    return List.copyOf(ids);
  }

  /** Keeps the {@code jobId} and {@code resultId} of a successful JSON answer. */
  void learnFrom(FuzzResponse response) {
    String type = response.header("content-type");
    if (response.status() / 100 != 2 || type == null || !type.startsWith("application/json")) {
      return;
    }
    JsonNode answer = JSON.readTree(response.body());
    for (String field : List.of("jobId", "resultId")) {
      if (answer.path(field).isString()) {
        ids.add(answer.path(field).asString());
      }
    }
    while (ids.size() > KEPT) {
      ids.remove(0);
    }
  }
}
