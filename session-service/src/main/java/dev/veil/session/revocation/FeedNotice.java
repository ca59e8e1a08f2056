package dev.veil.session.revocation;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A message on the revocation channel, as the Lua scripts publish it: {@code r <epoch> <seq>
 * <handle> <node>...} for a revocation; {@code p <epoch> <seq> <redis time ms> <redis run_id>} for
 * a replica's heartbeat.
 */
record FeedNotice(boolean revocation, String epoch, long sequence, String handle, List<String> nodes,
    long sentAtMillis, String redisRun) {

  static Optional<FeedNotice> parse(String message) {
    String[] parts = message.split(" ");
    try {
      if (parts.length >= 5 && parts[0].equals("r")) {
        return Optional.of(new FeedNotice(true, parts[1], Long.parseLong(parts[2]), parts[3],
            List.copyOf(Arrays.asList(parts).subList(4, parts.length)), 0, null));
      }
      if (parts.length == 5 && parts[0].equals("p")) {
        return Optional.of(new FeedNotice(false, parts[1], Long.parseLong(parts[2]), null, List.of(),
            Long.parseLong(parts[3]), parts[4]));
      }
    } catch (NumberFormatException e) {
      // not ours
    }
    return Optional.empty();
  }
}
