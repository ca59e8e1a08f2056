package dev.veil.session.session;

import dev.veil.model.id.RandomIds;
import dev.veil.session.revocation.RevocationFeedProperties;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Where the revocation feed lives in Redis, shared by the scripts that write to it.
 *
 * <h2>Storage details</h2>
 * <pre>
 * SADD veil:{session}:seen:9xQ... 5Fn...            -- node 5Fn... validated session 9xQ... (expires with it)
 * SET veil:{session}:feed:epoch 3Jk... PX &lt;ttl&gt;     -- the feed's epoch: new whenever Redis lost it
 * INCR veil:{session}:feed:seq                       -- one more revocation notice in this epoch
 * PUBLISH veil:session:revocations "r 3Jk... 17 9xQ... 5Fn..."   -- epoch, sequence, handle, nodes
 * PUBLISH veil:session:revocations "p 3Jk... 17"                  -- each replica's heartbeat
 * </pre>
 * A replica that sees the sequence jump, or the epoch change, knows it missed notices and tells
 * its nodes to forget everything they hold. Epoch and sequence are renewed by every heartbeat,
 * so they outlive any gap between replicas' runs but not an abandoned store.
 */
@Component
public class RevocationKeys {

  public static final String SEEN = "veil:{session}:seen:";
  public static final String EPOCH = "veil:{session}:feed:epoch";
  public static final String SEQUENCE = "veil:{session}:feed:seq";
  public static final String CHANNEL = "veil:session:revocations";

  /**
   * Lua shared by every script that publishes on the feed: the feed's epoch, made (fresh, with
   * lifetime {@code ttl} ms) when Redis has none — the first notice after Redis lost its data
   * starts a new epoch, wherever it comes from.
   */
  public static final String EPOCH_FUNCTION = """
      local function feed_epoch(key, fresh, ttl)
        local epoch = redis.call('GET', key)
        if not epoch then
          redis.call('SET', key, fresh, 'PX', ttl)
          return fresh
        end
        return epoch
      end
      """;

  private final RevocationFeedProperties settings;

  public RevocationKeys(RevocationFeedProperties settings) {
    this.settings = settings;
  }

  public String seenPrefix() {
    return SEEN;
  }

  /** ARGV of the revocation script for session {@code handle}: it, a fresh epoch, the channel, the feed keys' lifetime. */
  List<String> scriptArgs(String handle) {
    return List.of(handle, RandomIds.next(), CHANNEL, Long.toString(settings.stateTtl().toMillis()));
  }
}
