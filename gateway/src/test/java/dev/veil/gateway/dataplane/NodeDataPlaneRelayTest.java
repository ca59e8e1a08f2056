package dev.veil.gateway.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.netty.channel.AbortedException;

/**
 * The upstream body's relay to the client (NodeDataPlane.relay): a client gone as the send starts,
 * in the order two event loops can give (the client's close cancels the relay while its first
 * buffer is being sent on), is no dropped error, which Reactor would log at ERROR.
 */
class NodeDataPlaneRelayTest {

  final List<Throwable> dropped = new CopyOnWriteArrayList<>();

  @BeforeEach
  void watchDroppedErrors() {
    Hooks.onErrorDropped(dropped::add);
  }

  @AfterEach
  void resetHooks() {
    Hooks.resetOnErrorDropped();
  }

  @Test
  void aClientGoneAsItsBodyStartsIsNoDroppedErrorAndItsFirstBufferIsReleased() {
    ByteBuf first = buffer("first");
    AtomicInteger upstreamCancelled = new AtomicInteger();
    BaseSubscriber<Void> server = new BaseSubscriber<>() {};
    AtomicInteger committed = new AtomicInteger();
    // The server's connection closes as the first buffer arrives: its cancel, then the send's refusal.
    Mono<Void> relayed = NodeDataPlane.relay(upstreamBody(first, upstreamCancelled), committed::incrementAndGet, whole -> {
      server.dispose();
      return Mono.error(AbortedException.beforeSend());
    });

    relayed.subscribe(server);

    assertThat(committed).hasValue(1);
    assertThat(dropped).isEmpty();
    assertThat(first.refCnt()).isZero();
    assertThat(upstreamCancelled).hasValue(1);
  }

  /** The same refusal with no cancel before it: the relay ends, the upstream's body is let go. */
  @Test
  void aClientGoneWithoutACancelEndsTheRelayAndLetsTheUpstreamGo() {
    ByteBuf first = buffer("first");
    AtomicInteger upstreamCancelled = new AtomicInteger();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    AtomicInteger completed = new AtomicInteger();

    NodeDataPlane.relay(upstreamBody(first, upstreamCancelled), () -> { }, whole -> Mono.error(AbortedException.beforeSend()))
        .subscribe(null, failed::set, completed::incrementAndGet);

    assertThat(failed).hasNullValue();
    assertThat(completed).hasValue(1);
    assertThat(dropped).isEmpty();
    assertThat(first.refCnt()).isZero();
    assertThat(upstreamCancelled).hasValue(1);
  }

  /** An upstream body that has sent its first buffer and is still open. */
  private static Flux<ByteBuf> upstreamBody(ByteBuf first, AtomicInteger cancelled) {
    return Flux.just(first).concatWith(Flux.never()).doOnCancel(cancelled::incrementAndGet);
  }

  @Test
  void anyOtherFailureOfTheSendStillReachesTheServer() {
    ByteBuf first = buffer("first");
    IllegalStateException broken = new IllegalStateException("broken");
    AtomicReference<Throwable> failed = new AtomicReference<>();

    NodeDataPlane.relay(Flux.just(first), () -> { }, whole -> Mono.error(broken))
        .subscribe(null, failed::set);

    assertThat(failed).hasValue(broken);
    assertThat(first.refCnt()).isZero();
  }

  @Test
  void aBodyIsSentWholeAndAnUpstreamFailingBeforeItsFirstByteIsNotCommitted() {
    List<String> sent = new CopyOnWriteArrayList<>();
    AtomicInteger committed = new AtomicInteger();
    NodeDataPlane.relay(Flux.just(buffer("a"), buffer("b")), committed::incrementAndGet,
        whole -> whole.doOnNext(b -> {
          sent.add(b.toString(StandardCharsets.UTF_8));
          b.release();
        }).then()).block();
    assertThat(sent).containsExactly("a", "b");
    assertThat(committed).hasValue(1);

    AtomicReference<Throwable> failed = new AtomicReference<>();
    IllegalStateException closed = new IllegalStateException("closed after its headers");
    NodeDataPlane.relay(Flux.error(closed), committed::incrementAndGet, whole -> whole.then())
        .subscribe(null, failed::set);
    assertThat(failed).hasValue(closed);
    assertThat(committed).hasValue(1);
  }

  private static ByteBuf buffer(String text) {
    return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
  }
}
