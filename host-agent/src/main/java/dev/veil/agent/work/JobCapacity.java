package dev.veil.agent.work;

import dev.veil.agent.config.AgentProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Sinks;

/**
 * How much this host takes on, in two separate budgets.
 *
 * <ul>
 *   <li><b>Run slots</b> ({@code max-concurrent-jobs}): jobs whose containers run. A hard bound: a
 *       job that is ready to run when every slot is taken (a private definition that just
 *       arrived) waits for one, first come, first served.</li>
 *   <li><b>Owner waits</b> ({@code max-waiting-jobs}): jobs that wait on their owner, for a private
 *       definition or for the collection of a held result. They take no run slot, so a few
 *       templates whose definitions never come cannot idle a host; they are bounded on their own,
 *       so neither can a flood of them.</li>
 * </ul>
 * The claim loop claims only while a run slot is free, no ready job queues for one, and an owner
 * wait is free: whatever the claimed job turns out to be, the host has room for it.
 */
@Component
public class JobCapacity {

  private final int slots;
  private final int maxOwnerWaits;
  private int running;
  private int ownerWaits;
  private boolean closed;
  private final Deque<Waiter> queued = new ArrayDeque<>();
  private final List<MonoSink<Void>> claimers = new ArrayList<>();

  @Autowired
  public JobCapacity(AgentProperties properties, MeterRegistry meters) {
    this(properties.maxConcurrentJobs(), properties.maxWaitingJobs(), meters);
  }

  JobCapacity(int slots, int maxOwnerWaits, MeterRegistry meters) {
    this.slots = slots;
    this.maxOwnerWaits = maxOwnerWaits;
    Gauge.builder("veil.agent.capacity.running", this, c -> c.running()).register(meters);
    Gauge.builder("veil.agent.capacity.waiting-on-owner", this, c -> c.waitingOnOwner()).register(meters);
    Gauge.builder("veil.agent.capacity.queued", this, c -> c.queued()).register(meters);
  }

  // A job queued for a run slot. Granted under the lock (slot set), told outside it.
  private static final class Waiter {
    final Sinks.One<RunSlot> told = Sinks.one();
    RunSlot slot;
    volatile boolean delivered;
  }

  /**
   * A run slot, once one is free; it is the holder's until it is closed. Empty when
   * {@code giveUp} emits while the job still queues (its owner stopped it), or when the host is
   * shutting down ({@link #close()}). Once granted, a slot is always delivered: a stop that comes
   * after that is the run's to handle.
   */
  public Mono<RunSlot> runSlot(Mono<?> giveUp) {
    return Mono.defer(() -> {
      Waiter waiter = new Waiter();
      synchronized (this) {
        if (closed) {
          return Mono.<RunSlot>empty();
        }
        if (running < slots && queued.isEmpty()) {
          running++;
          return Mono.just(new RunSlot());
        }
        queued.add(waiter);
      }
      Disposable watch = giveUp.subscribe(signal -> withdraw(waiter));
      return waiter.told.asMono()
          .doOnNext(slot -> waiter.delivered = true)
          .doFinally(signal -> watch.dispose())
          // Should the wait itself be cancelled, a slot granted but not yet delivered goes back.
          .doOnCancel(() -> {
            RunSlot granted;
            synchronized (this) {
              queued.remove(waiter);
              granted = waiter.delivered ? null : waiter.slot;
            }
            if (granted != null) {
              granted.close();
            }
          });
    });
  }

  // Takes a waiter out of the queue if it is still there; one already granted keeps its slot.
  private void withdraw(Waiter waiter) {
    boolean removed;
    synchronized (this) {
      removed = queued.remove(waiter);
    }
    if (removed) {
      waiter.told.tryEmitEmpty();
      changed(false);
    }
  }

  /**
   * The host is shutting down: no slot is granted from now on, and every job queued for one is
   * told there is none (it ends without running). Claims stop too.
   */
  public void close() {
    List<Waiter> refused;
    synchronized (this) {
      closed = true;
      refused = new ArrayList<>(queued);
      queued.clear();
    }
    refused.forEach(waiter -> waiter.told.tryEmitEmpty());
  }

  public synchronized boolean isClosed() {
    return closed;
  }

  /** Counts a job as waiting on its owner until the returned handle is closed. */
  public OwnerWait ownerWait() {
    synchronized (this) {
      ownerWaits++;
    }
    return new OwnerWait();
  }

  /** Completes as soon as the host has room to claim another job (at once if it has). */
  public Mono<Void> claimable() {
    return Mono.create(sink -> {
      boolean now;
      synchronized (this) {
        now = hasRoom();
        if (!now) {
          claimers.add(sink);
          sink.onCancel(() -> {
            synchronized (this) {
              claimers.remove(sink);
            }
          });
        }
      }
      if (now) {
        sink.success();
      }
    });
  }

  public synchronized int running() {
    return running;
  }

  public synchronized int waitingOnOwner() {
    return ownerWaits;
  }

  public synchronized int queued() {
    return queued.size();
  }

  public int maxRunning() {
    return slots;
  }

  public int maxWaitingOnOwner() {
    return maxOwnerWaits;
  }

  private boolean hasRoom() {
    return !closed && running < slots && queued.isEmpty() && ownerWaits < maxOwnerWaits;
  }

  // A freed slot goes to the first queued job; then whoever waits to claim learns whether there is room.
  private void changed(boolean slotFreed) {
    Waiter next = null;
    List<MonoSink<Void>> wake = List.of();
    synchronized (this) {
      if (slotFreed) {
        running--;
        next = closed ? null : queued.poll();
        if (next != null) {
          running++;
          next.slot = new RunSlot();
        }
      }
      if (hasRoom() && !claimers.isEmpty()) {
        wake = new ArrayList<>(claimers);
        claimers.clear();
      }
    }
    if (next != null) {
      next.told.tryEmitValue(next.slot);
    }
    wake.forEach(MonoSink::success);
  }

  /** A run slot: closing it (once; again is harmless) frees it for the next job. */
  public final class RunSlot implements AutoCloseable {

    private final AtomicBoolean open = new AtomicBoolean(true);

    private RunSlot() {
    }

    @Override
    public void close() {
      if (open.compareAndSet(true, false)) {
        changed(true);
      }
    }
  }

  /** A job counted as waiting on its owner: closing it (once; again is harmless) ends the count. */
  public final class OwnerWait implements AutoCloseable {

    private final AtomicBoolean open = new AtomicBoolean(true);

    private OwnerWait() {
    }

    @Override
    public void close() {
      if (open.compareAndSet(true, false)) {
        synchronized (JobCapacity.this) {
          ownerWaits--;
        }
        changed(false);
      }
    }
  }
}
