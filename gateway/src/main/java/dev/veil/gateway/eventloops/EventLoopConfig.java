package dev.veil.gateway.eventloops;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import reactor.netty.resources.LoopResources;

/**
 * The event loops under the gateway's Reactor Netty server and HTTP clients: io_uring where the
 * kernel allows it (Reactor Netty's own choice, with {@code netty-transport-native-io_uring} on the
 * class path), else epoll; epoll even where io_uring is allowed with {@code veil.gateway.io-uring=false}.
 */
@Configuration(proxyBeanMethods = false)
class EventLoopConfig {

  /** Which transport the event loops run on, said at start and in {@code /actuator/info}. */
  @Bean
  EventLoopTransport eventLoopTransport(ReactorResourceFactory resources) {
    return new EventLoopTransport(resources.getLoopResources());
  }

  /**
   * {@code veil.gateway.io-uring=false}: the server (Boot's resource factory, in place of its own
   * on Reactor Netty's global loops), the management server, Spring Cloud Gateway's HTTP client
   * (whose copies the data plane uses) and the gateway's WebClients (built on this factory) on
   * {@link EpollLoops}.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(name = "veil.gateway.io-uring", havingValue = "false")
  static class EpollOnly {

    /** Shut down after what runs on them (the factory does not own loops it is given). */
    @Bean(destroyMethod = "close")
    EpollLoops epollLoops() {
      return new EpollLoops(LoopResources.DEFAULT_IO_WORKER_COUNT, LoopResources.DEFAULT_NATIVE);
    }

    @Bean
    ReactorResourceFactory reactorResourceFactory(EpollLoops loops) {
      ReactorResourceFactory factory = new ReactorResourceFactory();
      factory.setUseGlobalResources(false);
      factory.setLoopResources(loops);
      return factory;
    }

    @Bean
    HttpClientCustomizer onEpollLoops(EpollLoops loops) {
      return client -> client.runOn(loops);
    }
  }
}
