package dev.veil.e2e;

import dev.veil.model.json.VeilJson;
import dev.veil.model.market.JobRecord;
import dev.veil.model.result.JobStatus;
import dev.veil.model.result.ServiceStatus;
import dev.veil.model.result.ServiceUrls;
import dev.veil.testsupport.MarketApi;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.awaitility.Awaitility;

/** What a client polls for: a job's public record at the market, its services' URLs at its node. */
final class ClientWaits {

  private ClientWaits() {}

  /** The record once it shows {@code reached}, polled for up to two minutes. */
  static JobRecord until(MarketApi market, String jobId, Predicate<JobRecord> reached) {
    AtomicReference<JobRecord> seen = new AtomicReference<>();
    Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300)).until(() -> {
      seen.set(market.record(jobId));
      return reached.test(seen.get());
    });
    return seen.get();
  }

  static JobRecord hostStatus(MarketApi market, String jobId, JobStatus status) {
    return until(market, jobId, record -> record.hostStatus() == status);
  }

  static JobRecord end(MarketApi market, String jobId) {
    return until(market, jobId, record -> record.state().isFinal());
  }

  /** The job's service URLs once they all answer: {@code ask} is the owner's {@code GET /service/url/{jobId}}. */
  static ServiceUrls onlineUrls(Supplier<Curl.Reply> ask) {
    AtomicReference<ServiceUrls> urls = new AtomicReference<>();
    Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300)).until(() -> {
      Curl.Reply reply = ask.get();
      if (reply.status() != 200) {
        return false;
      }
      urls.set(VeilJson.readStrict(reply.body().getBytes(), ServiceUrls.class));
      return urls.get().status() == ServiceStatus.ONLINE;
    });
    return urls.get();
  }
}
