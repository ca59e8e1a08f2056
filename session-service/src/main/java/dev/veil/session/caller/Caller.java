package dev.veil.session.caller;

import dev.veil.session.session.StoredSession;

/** Who is calling, once authenticated. */
public sealed interface Caller {

  /** The key failed look-ups are counted under. */
  String rateLimitKey();

  /** A host agent, proven by its node-request signature. */
  record Node(String nodeId) implements Caller {
    @Override
    public String rateLimitKey() {
      return "node:" + nodeId;
    }
  }

  /** A trusted service (job-market), proven by its configured token. */
  record Service(String name) implements Caller {
    @Override
    public String rateLimitKey() {
      return "service:" + name;
    }
  }

  /** A client, proven by a live session in {@code x-session-id}. */
  record Owner(StoredSession session) implements Caller {
    public String owner() {
      return session.owner();
    }

    @Override
    public String rateLimitKey() {
      return "owner:" + session.owner();
    }
  }
}
