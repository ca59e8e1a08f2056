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
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

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
  private final Deque<MonoSink<RunSlot>> queued = new ArrayDeque<>();
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

  /**
   * A run slot, once one is free; it is the holder's until it is closed. Cancelling the wait
   * gives up the place in the queue (or the slot, if it had just been granted).
   */
  public Mono<RunSlot> runSlot() {
    return Mono.<RunSlot>create(sink -> {
          RunSlot granted = null;
          synchronized (this) {
            if (running < slots && queued.isEmpty()) {
              running++;
              granted = new RunSlot();
            } else {
              queued.add(sink);
              sink.onCancel(() -> {
                synchronized (this) {
                  queued.remove(sink);
                }
              });
            }
          }
          if (granted != null) {
            sink.success(granted);
          }
        })
        // A slot granted to a wait cancelled in the same moment goes back.
        .doOnDiscard(RunSlot.class, RunSlot::close);
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
    return running < slots && queued.isEmpty() && ownerWaits < maxOwnerWaits;
  }

  // A freed slot goes to the first queued job; then whoever waits to claim learns whether there is room.
  private void changed(boolean slotFreed) {
    MonoSink<RunSlot> next = null;
    List<MonoSink<Void>> wake = List.of();
    synchronized (this) {
      if (slotFreed) {
        running--;
        next = queued.poll();
        if (next != null) {
          running++;
        }
      }
      if (hasRoom() && !claimers.isEmpty()) {
        wake = new ArrayList<>(claimers);
        claimers.clear();
      }
    }
    if (next != null) {
      next.success(new RunSlot());
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
