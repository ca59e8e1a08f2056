package dev.veil.gateway;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.context.annotation.Bean;

/**
 * For tests: runs a step once, at the moment one of the gateway's clients (the routes', the direct
 * path's, built on it, and the receipts', customized as it is) has connected to a given port,
 * before the request is written. What a test
 * puts there happens between a request's routing and its sending, in that order every time.
 */
@TestConfiguration(proxyBeanMethods = false)
class ConnectHook {

  private static final Map<Integer, Runnable> STEPS = new ConcurrentHashMap<>();

  /** Runs {@code step} when the gateway's client next connects to {@code port}; once. */
  static void onConnect(int port, Runnable step) {
    STEPS.put(port, step);
  }

  static void clear(int port) {
    STEPS.remove(port);
  }

  @Bean
  HttpClientCustomizer connectHook() {
    return client -> client.doOnConnected(connection -> {
      if (connection.channel().remoteAddress() instanceof InetSocketAddress address) {
        Runnable step = STEPS.remove(address.getPort());
        if (step != null) {
          step.run();
        }
      }
    });
  }
}
