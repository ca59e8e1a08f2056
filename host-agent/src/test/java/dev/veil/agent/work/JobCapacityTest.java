package dev.veil.agent.work;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

class JobCapacityTest {

  static JobCapacity capacity(int slots, int waits) {
    return new JobCapacity(slots, waits, new SimpleMeterRegistry());
  }

  @Test
  void slotsAreGrantedUpToTheLimitThenFirstComeFirstServed() {
    JobCapacity capacity = capacity(2, 4);
    List<JobCapacity.RunSlot> granted = new ArrayList<>();
    List<String> order = new ArrayList<>();

    capacity.runSlot(Mono.never()).subscribe(granted::add);
    capacity.runSlot(Mono.never()).subscribe(granted::add);
    capacity.runSlot(Mono.never()).subscribe(slot -> {
      order.add("third");
      granted.add(slot);
    });
    capacity.runSlot(Mono.never()).subscribe(slot -> {
      order.add("fourth");
      granted.add(slot);
    });

    assertThat(granted).hasSize(2);
    assertThat(capacity.running()).isEqualTo(2);
    assertThat(capacity.queued()).isEqualTo(2);

    granted.get(0).close();
    granted.get(0).close(); // again: harmless, frees nothing more
    assertThat(order).containsExactly("third");
    assertThat(capacity.running()).isEqualTo(2);
    granted.get(1).close();
    assertThat(order).containsExactly("third", "fourth");
    assertThat(capacity.queued()).isZero();
  }

  @Test
  void aJobStoppedWhileItQueuesGivesUpItsPlaceAndGetsNoSlot() {
    JobCapacity capacity = capacity(1, 4);
    List<JobCapacity.RunSlot> granted = new ArrayList<>();
    List<String> ended = new ArrayList<>();
    Sinks.One<String> stop = Sinks.one();
    capacity.runSlot(Mono.never()).subscribe(granted::add);
    capacity.runSlot(stop.asMono()).subscribe(granted::add, null, () -> ended.add("stopped, no slot"));
    capacity.runSlot(Mono.never()).subscribe(granted::add);
    assertThat(capacity.queued()).isEqualTo(2);

    stop.tryEmitValue("stopped by its owner");
    assertThat(ended).containsExactly("stopped, no slot");
    assertThat(capacity.queued()).isEqualTo(1);
    granted.get(0).close();

    assertThat(granted).hasSize(2);
    assertThat(capacity.running()).isEqualTo(1);
    granted.get(1).close();
    assertThat(capacity.running()).isZero();
  }

  @Test
  void aCancelledWaitGivesUpItsPlaceInTheQueue() {
    JobCapacity capacity = capacity(1, 4);
    List<JobCapacity.RunSlot> granted = new ArrayList<>();
    capacity.runSlot(Mono.never()).subscribe(granted::add);
    Disposable cancelled = capacity.runSlot(Mono.never()).subscribe(granted::add);
    assertThat(capacity.queued()).isEqualTo(1);

    cancelled.dispose();
    assertThat(capacity.queued()).isZero();
    granted.get(0).close();
    assertThat(capacity.running()).isZero();
    assertThat(granted).hasSize(1);
  }

  @Test
  void onShutdownQueuedJobsAreToldThereIsNoSlotAndNothingMoreIsClaimedOrGranted() {
    JobCapacity capacity = capacity(1, 4);
    List<JobCapacity.RunSlot> granted = new ArrayList<>();
    List<String> events = new ArrayList<>();
    capacity.runSlot(Mono.never()).subscribe(granted::add);
    capacity.runSlot(Mono.never()).subscribe(granted::add, null, () -> events.add("queued job: no slot"));
    capacity.claimable().subscribe(null, null, () -> events.add("claimed"));

    capacity.close();
    assertThat(events).containsExactly("queued job: no slot");
    granted.get(0).close();
    capacity.runSlot(Mono.never()).subscribe(granted::add, null, () -> events.add("late job: no slot"));
    capacity.claimable().subscribe(null, null, () -> events.add("claimed"));

    assertThat(granted).hasSize(1);
    assertThat(events).containsExactly("queued job: no slot", "late job: no slot");
    assertThat(capacity.running()).isZero();
  }

  @Test
  void claimsWaitForAFreeSlotAnEmptyQueueAndAFreeOwnerWait() {
    JobCapacity capacity = capacity(1, 2);
    List<String> claims = new ArrayList<>();
    capacity.claimable().subscribe(null, null, () -> claims.add("at once"));
    assertThat(claims).containsExactly("at once");

    // Owner waits take no slot: with one waiting the host still claims.
    JobCapacity.OwnerWait first = capacity.ownerWait();
    capacity.claimable().subscribe(null, null, () -> claims.add("one waiting"));
    assertThat(claims).containsExactly("at once", "one waiting");

    // Two wait: the most it takes; the claim waits until one of them ends.
    JobCapacity.OwnerWait second = capacity.ownerWait();
    capacity.claimable().subscribe(null, null, () -> claims.add("after a wait ended"));
    assertThat(claims).hasSize(2);
    second.close();
    assertThat(claims).containsExactly("at once", "one waiting", "after a wait ended");

    // The slot taken: the claim waits for it, and for nobody to be queued for it either.
    List<JobCapacity.RunSlot> slots = new ArrayList<>();
    capacity.runSlot(Mono.never()).subscribe(slots::add);
    capacity.runSlot(Mono.never()).subscribe(slots::add);
    capacity.claimable().subscribe(null, null, () -> claims.add("after the queue emptied"));
    slots.get(0).close();
    assertThat(claims).as("the freed slot went to the queued job").hasSize(3);
    slots.get(1).close();
    assertThat(claims).last().isEqualTo("after the queue emptied");
    first.close();
    assertThat(capacity.waitingOnOwner()).isZero();
  }
}
