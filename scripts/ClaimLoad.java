import dev.veil.model.auth.Ed25519;
import dev.veil.model.auth.NodeRequestSignature;
import dev.veil.model.json.VeilJson;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.NodeRegistration;
import dev.veil.model.market.PostJobRequest;
import dev.veil.model.session.ValidationRequest;
import dev.veil.testsupport.ClientLogin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load on the market's claims and on session validation, as simulated hosts and a calling
 * service make it over real HTTP (run as a single-file program on test-support's class path, by
 * scripts/bench-claims.sh). No container runs: a host here only claims.
 *
 * <pre>
 *   fill        --market URL --sessions URL --spec FILE --jobs J [--owners K]
 *   drain       --market URL --hosts N --expect J
 *   latency     --market URL --sessions URL --spec FILE --hosts N [--rate R] [--seconds S] [--owners K]
 *   validations --sessions URL --token T --callers C --seconds S
 * </pre>
 *
 * {@code fill}: K owners (20) post J jobs, eight posts at a time; prints posts/s. {@code drain}:
 * N hosts, each with its own node key, claim as fast as the market answers until the queue is
 * empty; fails unless exactly J were claimed, none twice; prints {@code start} as it begins, then
 * claims/s. {@code latency}: with
 * N hosts waiting in long-polled claims, posts R jobs a second (20) for S seconds (10); fails if
 * one is never claimed or claimed twice; prints p50 and p99 ms from a post's sending to its
 * claim's arrival. {@code validations}: C callers validate one session as a trusted service, each
 * one request at a time, 5 s of warm-up then S seconds; prints {@code start} as the measured
 * seconds begin, then {@code validations/s p50_ms p99_ms failed}.
 */
public class ClaimLoad {

  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new ConcurrentHashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    switch (args[0]) {
      case "fill" -> fill(options);
      case "drain" -> drain(options);
      case "latency" -> latency(options);
      case "validations" -> validations(options);
      default -> throw new IllegalArgumentException("fill, drain, latency or validations, not " + args[0]);
    }
  }

  static List<String> owners(Map<String, String> o) {
    ClientLogin login = new ClientLogin(o.get("sessions"));
    List<String> sessions = new ArrayList<>();
    for (int i = 0, owners = Integer.parseInt(o.getOrDefault("owners", "20")); i < owners; i++) {
      sessions.add(login.login(Ed25519.generate(), null, null, 3600L).sessionId());
    }
    return sessions;
  }

  static byte[] job(Map<String, String> o) throws Exception {
    return VeilJson.write(new PostJobRequest(VeilJson.readJobFile(Files.readString(Path.of(o.get("spec")))), 60L));
  }

  static List<KeyPair> nodes(String market, int hosts) throws Exception {
    List<KeyPair> nodes = new ArrayList<>();
    for (int i = 0; i < hosts; i++) {
      KeyPair node = Ed25519.generate();
      expect(signed(market, node, "PUT", "/v1/nodes/self", VeilJson.write(new NodeRegistration("bench", false, 1000))), 200);
      nodes.add(node);
    }
    return nodes;
  }

  /** Posts {@code jobs} jobs, owners in turn, eight at once. Prints posts/s. */
  static void fill(Map<String, String> o) throws Exception {
    String market = o.get("market");
    int jobs = Integer.parseInt(o.get("jobs"));
    List<String> sessions = owners(o);
    byte[] post = job(o);
    long start = System.nanoTime();
    AtomicInteger next = new AtomicInteger();
    runAll(8, worker -> {
      for (int n; (n = next.getAndIncrement()) < jobs; ) {
        expect(postJob(market, sessions.get(n % sessions.size()), post), 201);
      }
    });
    System.out.printf("%.0f%n", jobs / seconds(start));
  }

  /**
   * {@code hosts} hosts claim without waiting until the queue answers nothing; fails unless
   * exactly {@code expect} jobs were claimed, each once. Prints claims/s.
   */
  static void drain(Map<String, String> o) throws Exception {
    String market = o.get("market");
    int hosts = Integer.parseInt(o.get("hosts"));
    int expected = Integer.parseInt(o.get("expect"));
    List<KeyPair> nodes = nodes(market, hosts);
    Map<String, Integer> claimedBy = new ConcurrentHashMap<>();
    AtomicInteger doubles = new AtomicInteger();
    AtomicInteger claims = new AtomicInteger();
    // Tells whoever measures the machine that the drain starts now (the JVM's start is over).
    System.out.println("start");
    System.out.flush();
    long start = System.nanoTime();
    runAll(hosts, host -> {
      while (true) {
        HttpResponse<byte[]> claimed = signed(market, nodes.get(host), "POST", "/v1/claims?waitSeconds=0", new byte[0]);
        if (claimed.statusCode() == 204) {
          return;
        }
        expect(claimed, 200);
        if (claimedBy.putIfAbsent(VeilJson.readStrict(claimed.body(), JobRecord.class).jobId(), host) != null) {
          doubles.incrementAndGet();
        }
        claims.incrementAndGet();
      }
    });
    double perSecond = claims.get() / seconds(start);
    if (claims.get() != expected || doubles.get() > 0) {
      throw new IllegalStateException(expected + " posted, " + claims.get() + " claimed, " + doubles.get() + " twice");
    }
    System.out.printf("%.0f%n", perSecond);
  }

  /**
   * With {@code hosts} hosts waiting in long-polled claims, posts {@code rate} jobs a second for
   * {@code seconds} seconds; prints the p50 and p99 ms from a post's sending to its claim's arrival.
   */
  static void latency(Map<String, String> o) throws Exception {
    String market = o.get("market");
    int hosts = Integer.parseInt(o.get("hosts"));
    double rate = Double.parseDouble(o.getOrDefault("rate", "20"));
    int seconds = Integer.parseInt(o.getOrDefault("seconds", "10"));
    List<String> sessions = owners(o);
    byte[] post = job(o);
    List<KeyPair> nodes = nodes(market, hosts);
    Map<String, Long> sentAt = new ConcurrentHashMap<>();
    Map<String, Long> claimedAt = new ConcurrentHashMap<>();
    AtomicInteger doubles = new AtomicInteger();
    AtomicBoolean posting = new AtomicBoolean(true);
    CountDownLatch waiting = new CountDownLatch(hosts);
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread[] waiters = new Thread[hosts];
    for (int h = 0; h < hosts; h++) {
      int host = h;
      waiters[h] = new Thread(() -> {
        waiting.countDown();
        try {
          while (posting.get() || claimedAt.size() < sentAt.size()) {
            HttpResponse<byte[]> claimed = signed(market, nodes.get(host), "POST", "/v1/claims?waitSeconds=2", new byte[0]);
            long now = System.nanoTime();
            if (claimed.statusCode() == 200
                && claimedAt.putIfAbsent(VeilJson.readStrict(claimed.body(), JobRecord.class).jobId(), now) != null) {
              doubles.incrementAndGet();
            }
          }
        } catch (Exception e) {
          failures.add(e);
        }
      });
      waiters[h].start();
    }
    waiting.await();
    Thread.sleep(1000);
    long start = System.nanoTime();
    for (int i = 0; i < rate * seconds; i++) {
      long due = start + (long) (i * 1e9 / rate);
      while (System.nanoTime() < due) {
        Thread.sleep(1);
      }
      long sent = System.nanoTime();
      HttpResponse<byte[]> posted = postJob(market, sessions.get(i % sessions.size()), post);
      expect(posted, 201);
      sentAt.put(VeilJson.readStrict(posted.body(), JobRecord.class).jobId(), sent);
    }
    posting.set(false);
    for (Thread waiter : waiters) {
      waiter.join(30_000);
    }
    long unclaimed = sentAt.keySet().stream().filter(id -> !claimedAt.containsKey(id)).count();
    if (unclaimed > 0 || doubles.get() > 0 || !failures.isEmpty()) {
      throw new IllegalStateException(unclaimed + " posted jobs never claimed, " + doubles.get() + " claimed twice, "
          + failures.size() + " hosts failed" + (failures.isEmpty() ? "" : ": " + failures.get(0)));
    }
    long[] latencies = sentAt.entrySet().stream().mapToLong(e -> claimedAt.get(e.getKey()) - e.getValue()).sorted().toArray();
    System.out.printf("%.1f %.1f%n", millis(latencies, 0.50), millis(latencies, 0.99));
  }

  static void validations(Map<String, String> o) throws Exception {
    String sessions = o.get("sessions");
    int callers = Integer.parseInt(o.get("callers"));
    int seconds = Integer.parseInt(o.get("seconds"));
    String session = new ClientLogin(sessions).login(Ed25519.generate(), null, null, 3600L).sessionId();
    byte[] body = VeilJson.write(new ValidationRequest(session, null, null));
    HttpRequest request = HttpRequest.newBuilder(URI.create(sessions + "/v1/sessions/validate"))
        .header("Authorization", "Bearer " + o.get("token")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    // Warm-up, then the measured run.
    for (int round = 0; round < 2; round++) {
      if (round == 1) {
        System.out.println("start");
        System.out.flush();
      }
      long end = System.nanoTime() + (round == 0 ? 5 : seconds) * 1_000_000_000L;
      List<Long> times = java.util.Collections.synchronizedList(new ArrayList<>());
      AtomicLong failed = new AtomicLong();
      long start = System.nanoTime();
      runAll(callers, caller -> {
        while (System.nanoTime() < end) {
          long t0 = System.nanoTime();
          HttpResponse<byte[]> answer = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
          times.add(System.nanoTime() - t0);
          if (answer.statusCode() != 200 || !new String(answer.body()).contains("\"valid\":true")) {
            failed.incrementAndGet();
          }
        }
      });
      if (round == 1) {
        long[] sorted = times.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("%.0f %.1f %.1f %d%n", sorted.length / seconds(start), millis(sorted, 0.50), millis(sorted, 0.99),
            failed.get());
      }
    }
  }

  interface Worker {
    void run(int index) throws Exception;
  }

  /** Runs {@code count} workers on threads of their own and waits for all; the first failure ends the program. */
  static void runAll(int count, Worker worker) throws InterruptedException {
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread[] threads = new Thread[count];
    for (int i = 0; i < count; i++) {
      int index = i;
      threads[i] = new Thread(() -> {
        try {
          worker.run(index);
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      threads[i].start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException(failures.get(0));
    }
  }

  static HttpResponse<byte[]> postJob(String market, String session, byte[] body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(market + "/v1/jobs")).header("x-session-id", session)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  static HttpResponse<byte[]> signed(String market, KeyPair node, String method, String pathAndQuery, byte[] body)
      throws Exception {
    NodeRequestSignature signature = NodeRequestSignature.sign(node, "job-market", method, pathAndQuery, body, Instant.now());
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(market + pathAndQuery))
        .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    signature.headers().forEach(request::header);
    if (body.length > 0) {
      request.header("Content-Type", "application/json");
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static void expect(HttpResponse<byte[]> response, int status) {
    if (response.statusCode() != status) {
      throw new IllegalStateException(response.request().method() + " " + response.uri() + " answered "
          + response.statusCode() + ": " + new String(response.body()));
    }
  }

  static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  static double millis(long[] sorted, double quantile) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)] / 1e6;
  }
}
