package dev.veil.model.job;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.annotation.JsonSerialize;

/**
 * The ports an op serves, in the forms the spec allows: a number ({@code 80}), a range string
 * ({@code "8000-8010"}), or a list of numbers and {@code {port, type, health_checks}} objects.
 * Written back in the form it was read.
 */
@JsonDeserialize(using = ExposeJson.Reader.class)
@JsonSerialize(using = ExposeJson.Writer.class)
public sealed interface Expose {

  /** Every exposed port, expanded, in order. */
  List<ExposedPort> ports();

  /** {@code 80}. */
  record Single(int port) implements Expose {
    @Override
    public List<ExposedPort> ports() {
      return List.of(ExposedPort.of(port));
    }
  }

  /** {@code "8000-8010"} (inclusive), or {@code "80"} when {@code from == to}. */
  record Range(int from, int to) implements Expose {
    @Override
    public List<ExposedPort> ports() {
      List<ExposedPort> ports = new ArrayList<>();
      for (int port = from; port <= to && port - from < MAX_RANGE; port++) {
        ports.add(ExposedPort.of(port));
      }
      return ports;
    }
  }

  /** {@code [80, {"port": 8080, "type": "api"}]}. */
  record Ports(List<ExposedPort> list) implements Expose {
    public Ports {
      list = List.copyOf(list);
    }

    @Override
    public List<ExposedPort> ports() {
      return list;
    }
  }

  /** The widest range a job may expose; validation rejects wider ones. */
  int MAX_RANGE = 1000;
}
