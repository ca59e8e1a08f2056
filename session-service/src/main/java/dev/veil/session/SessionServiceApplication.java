package dev.veil.session;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Issues, validates and revokes Veil sessions. See the module README for the API and key layout. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class SessionServiceApplication {

  public static void main(String[] args) {
    SpringApplication.run(SessionServiceApplication.class, args);
  }
}
