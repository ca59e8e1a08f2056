package dev.veil.tunnel;

import dev.veil.model.id.ExposeIds;
import dev.veil.model.id.RandomIds;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an agent asks the gateway to route into its tunnel. It travels as the "address to bind" of
 * an SSH {@code tcpip-forward} request, which the gateway never binds or resolves: it reads it as
 * one of three names, and the gateway, not the agent, derives the ID that routes to it.
 *
 * <ul>
 *   <li>{@code node}: the agent's own API, at {@code <nodeId>.<node domain>}, the node ID being
 *       the key that opened the tunnel;</li>
 *   <li>{@code public/<jobId>/<opIndex>/<port>}: a public exposed port, at the ID anyone derives
 *       from the job ({@link ExposeIds#publicId});</li>
 *   <li>{@code private/<jobId>/<serviceId>}: a private exposed port, at a random 256-bit ID the
 *       agent drew;</li>
 *   <li>{@code owner/<jobId>/<serviceId>}: the same, that the gateway opens to the job's owner only
 *       (a valid session of the owner the market names for the job, never one the agent names).</li>
 * </ul>
 */
public sealed interface ForwardName permits ForwardName.Node, ForwardName.PublicService, ForwardName.PrivateService {

  /** Longest name a gateway reads; anything longer is refused unread. */
  int MAX_LENGTH = 160;

  /** The string sent in the {@code tcpip-forward} request. */
  String wire();

  /** The job this name belongs to; empty for the node's API. */
  Optional<String> job();

  /** The node's own API. */
  record Node() implements ForwardName {
    @Override
    public String wire() {
      return "node";
    }

    @Override
    public Optional<String> job() {
      return Optional.empty();
    }
  }

  /** A public exposed port of op {@code opIndex}. */
  record PublicService(String jobId, int opIndex, int port) implements ForwardName {
    @Override
    public String wire() {
      return "public/" + jobId + "/" + opIndex + "/" + port;
    }

    @Override
    public Optional<String> job() {
      return Optional.of(jobId);
    }

    /** The ID the service is reached at. */
    public String serviceId() {
      return ExposeIds.publicId(opIndex, port, jobId);
    }
  }

  /** A private exposed port, reached at {@code serviceId}; by the job's owner only when {@code ownerOnly}. */
  record PrivateService(String jobId, String serviceId, boolean ownerOnly) implements ForwardName {

    public PrivateService(String jobId, String serviceId) {
      this(jobId, serviceId, false);
    }

    @Override
    public String wire() {
      return (ownerOnly ? "owner/" : "private/") + jobId + "/" + serviceId;
    }

    @Override
    public Optional<String> job() {
      return Optional.of(jobId);
    }
  }

  ForwardName NODE = new Node();

  Pattern PUBLIC = Pattern.compile("public/([1-9A-HJ-NP-Za-km-z]{1,64})/(\\d{1,4})/(\\d{1,5})");
  Pattern PRIVATE = Pattern.compile("(private|owner)/([1-9A-HJ-NP-Za-km-z]{1,64})/([1-9A-HJ-NP-Za-km-z]{1,64})");

  /** Reads a name; empty for anything that is not exactly one of the three forms with well-formed IDs. */
  static Optional<ForwardName> parse(String wire) {
    if (wire == null || wire.length() > MAX_LENGTH) {
      return Optional.empty();
    }
    if (wire.equals("node")) {
      return Optional.of(NODE);
    }
    Matcher publicName = PUBLIC.matcher(wire);
    if (publicName.matches()) {
      int port = Integer.parseInt(publicName.group(3));
      return RandomIds.isWellFormed(publicName.group(1)) && port >= 1 && port <= 65535
          ? Optional.of(new PublicService(publicName.group(1), Integer.parseInt(publicName.group(2)), port))
          : Optional.empty();
    }
    Matcher privateName = PRIVATE.matcher(wire);
    if (privateName.matches() && RandomIds.isWellFormed(privateName.group(2)) && RandomIds.isWellFormed(privateName.group(3))) {
      return Optional.of(new PrivateService(privateName.group(2), privateName.group(3), privateName.group(1).equals("owner")));
    }
    return Optional.empty();
  }
}
