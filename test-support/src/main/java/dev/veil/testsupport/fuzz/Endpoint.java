package dev.veil.testsupport.fuzz;

import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A route a service serves, as its controller declares it: the method, the path with
 * {@code {placeholders}} for IDs, the credentials it takes, and good bodies to mutate.
 *
 * @param bodySeeds valid bodies (JSON texts), asked for anew on every try since some hold
 *     something fresh (a login's challenge); empty for a route that takes no body
 */
public record Endpoint(String method, String path, Set<Credential> credentials, Supplier<List<String>> bodySeeds) {

  /** What a caller may present: a client's session, a node's signature, a trusted service's token. */
  public enum Credential { SESSION, NODE_SIGNATURE, SERVICE_TOKEN }

  public static Endpoint open(String method, String path) {
    return new Endpoint(method, path, Set.of(), List::of);
  }

  public Endpoint with(Credential... taken) {
    return new Endpoint(method, path, Set.of(taken), bodySeeds);
  }

  public Endpoint body(Supplier<List<String>> seeds) {
    return new Endpoint(method, path, credentials, seeds);
  }

  public Endpoint body(String... seeds) {
    List<String> fixed = List.of(seeds);
    return body(() -> fixed);
  }
}
