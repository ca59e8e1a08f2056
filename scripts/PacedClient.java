import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A paced HTTP load client for the benchmarks (run as a single-file program, no build):
 * each client is one keep-alive connection sending GETs on a fixed schedule, one at a time, and
 * timing each from send to the last byte of the answer.
 *
 * <pre>
 *   java -Djdk.httpclient.allowRestrictedHeaders=host scripts/PacedClient.java \
 *     [--clients 1] [--rate 80] [--warmup 100] [--count 300] [-H 'Name: value']... URL
 * </pre>
 *
 * {@code --rate} is per client (requests/s), {@code --warmup} and {@code --count} are per client.
 * Prints one line: {@code requests p50_ms p90_ms p99_ms max_ms non2xx statuses}, latencies over
 * every client's measured requests together.
 */
public class PacedClient {

  public static void main(String[] args) throws Exception {
    int clients = 1;
    double rate = 80;
    int warmup = 100;
    int count = 300;
    List<String> headers = new ArrayList<>();
    String url = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--clients" -> clients = Integer.parseInt(args[++i]);
        case "--rate" -> rate = Double.parseDouble(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--count" -> count = Integer.parseInt(args[++i]);
        case "-H" -> headers.add(args[++i]);
        default -> url = args[i];
      }
    }
    if (url == null) {
      throw new IllegalArgumentException("usage: PacedClient [--clients N] [--rate R] [--warmup W] [--count C] [-H 'K: V']... URL");
    }
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
    for (String header : headers) {
      int colon = header.indexOf(':');
      builder.header(header.substring(0, colon).trim(), header.substring(colon + 1).trim());
    }
    HttpRequest request = builder.build();
    long period = (long) (1_000_000_000L / rate);
    long[][] latencies = new long[clients][count];
    int[][] statuses = new int[clients][count];
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      int warm = warmup;
      int measured = count;
      // Clients start spread over one period, so they do not all send at the same instant.
      long offset = period * c / clients;
      Thread thread = new Thread(() -> {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
        long next = System.nanoTime() + offset;
        for (int i = -warm; i < measured; i++) {
          long wait = next - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait);
          }
          long start = System.nanoTime();
          int status;
          try {
            status = http.send(request, HttpResponse.BodyHandlers.ofByteArray()).statusCode();
          } catch (Exception e) {
            status = 0; // no answer: counted as non-2xx
          }
          long took = System.nanoTime() - start;
          if (i >= 0) {
            latencies[client][i] = took;
            statuses[client][i] = status;
          }
          next = Math.max(next + period, System.nanoTime());
        }
      });
      thread.start();
      threads.add(thread);
    }
    for (Thread thread : threads) {
      thread.join();
    }
    long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
    int[] codes = Arrays.stream(statuses).flatMapToInt(Arrays::stream).toArray();
    long non2xx = Arrays.stream(codes).filter(s -> s < 200 || s > 299).count();
    String seen = Arrays.stream(codes).boxed().distinct().sorted().map(String::valueOf).reduce((a, b) -> a + "," + b).orElse("");
    System.out.printf("%d %.2f %.2f %.2f %.2f %d %s%n", all.length, ms(all, 0.50), ms(all, 0.90), ms(all, 0.99),
        all[all.length - 1] / 1e6, non2xx, seen);
  }

  private static double ms(long[] sorted, double quantile) {
    int index = (int) Math.ceil(quantile * sorted.length) - 1;
    return sorted[Math.max(0, index)] / 1e6;
  }
}
