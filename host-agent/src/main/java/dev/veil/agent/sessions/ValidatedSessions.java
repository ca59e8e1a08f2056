package dev.veil.agent.sessions;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.veil.model.session.ValidationResponse;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * Sessions this node has validated with session-service, kept so that an owner's next request
 * costs no call — for as long as the revocation feed vouches for them, and never past a session's
 * expiry or {@code max-age}.
 *
 * <p>Kept by handle (SHA-256 of the session ID, as session-service names it on the feed), so the
 * IDs themselves are not held. A kept session is used only while the feed has been heard within
 * {@code feed-silence}. The feed's revocations remove one session, its resets and its end remove
 * all. A validation that was under way while anything was removed is not kept (its answer may be
 * older than the removal): {@link #ticket()} before asking, {@link #keep} with the ticket after.
 */
@Component
public class ValidatedSessions {

  private static final long UNTRUSTED = -1;

  private final SessionCacheProperties settings;
  private final Clock clock;
  private final Cache<String, ValidationResponse> kept;
  private final Object lock = new Object();
  private final long silenceNanos;
  // Written under lock (with the removal it stands for), read without it.
  private volatile long generation;
  // When the feed was last heard; heard() writes them without the lock, lost() clears heard under it.
  private volatile long heardAt;
  private volatile boolean heard;

  public ValidatedSessions(SessionCacheProperties settings, Clock clock, MeterRegistry registry) {
    this.settings = settings;
    this.clock = clock;
    this.silenceNanos = settings.feedSilence().toNanos();
    long maxAgeNanos = settings.maxAge().toNanos();
    this.kept = Caffeine.newBuilder()
        .maximumSize(settings.maxEntries())
        .expireAfter(new Expiry<String, ValidationResponse>() {
          @Override
          public long expireAfterCreate(String handle, ValidationResponse session, long now) {
            long untilExpiry = TimeUnit.MILLISECONDS.toNanos(Math.max(0, session.expiresAt() - clock.millis()));
            return Math.min(untilExpiry, maxAgeNanos);
          }

          @Override
          public long expireAfterUpdate(String handle, ValidationResponse session, long now, long left) {
            return expireAfterCreate(handle, session, now);
          }

          @Override
          public long expireAfterRead(String handle, ValidationResponse session, long now, long left) {
            return left;
          }
        })
        .build();
    Gauge.builder("veil.agent.sessions.kept", kept, Cache::estimatedSize)
        .description("validated sessions this node keeps").register(registry);
    Gauge.builder("veil.agent.sessions.feed.trusted", this, sessions -> sessions.trusted() ? 1 : 0)
        .description("1 while the revocation feed vouches for kept sessions").register(registry);
  }

  /** The kept validation of this session, if the feed vouches for it and it has not expired. */
  public Optional<ValidationResponse> find(String handle) {
    if (!settings.enabled() || !trusted()) {
      return Optional.empty();
    }
    ValidationResponse session = kept.getIfPresent(handle);
    return session == null || session.expiresAt() <= clock.millis() ? Optional.empty() : Optional.of(session);
  }

  /** Taken before asking session-service; {@link #keep} needs it. */
  public long ticket() {
    // The generation first: anything removed after this read makes the ticket stale, even if the
    // feed is heard again before the answer comes.
    long current = generation;
    return settings.enabled() && trusted() ? current : UNTRUSTED;
  }

  /** Keeps a valid answer, unless anything was removed since {@code ticket} or the feed stopped vouching. */
  public void keep(String handle, ValidationResponse session, long ticket) {
    if (ticket == UNTRUSTED || !session.valid() || session.expiresAt() == null) {
      return;
    }
    synchronized (lock) {
      if (generation == ticket && trusted()) {
        kept.put(handle, session);
      }
    }
  }

  // --- what the feed says ----------------------------------------------------------------------------------

  /** The feed is alive, end to end. */
  void heard() {
    heardAt = System.nanoTime();
    heard = true;
  }

  /** A session this node validated was revoked. */
  void revoked(String handle) {
    synchronized (lock) {
      generation++;
      kept.invalidate(handle);
    }
  }

  /** Notices may have been missed: forget everything, keep following. */
  void reset() {
    synchronized (lock) {
      generation++;
      kept.invalidateAll();
    }
  }

  /** The feed ended: forget everything, trust nothing until it is heard again. */
  void lost() {
    synchronized (lock) {
      heard = false;
      generation++;
      kept.invalidateAll();
    }
  }

  /** Whether the feed has been heard within {@code feed-silence}. */
  public boolean trusted() {
    if (heard && System.nanoTime() - heardAt < silenceNanos) {
      return true;
    }
    if (heard) {
      // Silent too long: what is kept may have missed a revocation.
      lost();
    }
    return false;
  }
}
