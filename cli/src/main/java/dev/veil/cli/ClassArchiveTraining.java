package dev.veil.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The training run {@code ./veil} makes once per build of the CLI, with the JVM recording every
 * class it loads into an AppCDS archive that later starts use: the CLI's own commands, in this one
 * process, against a stand-in gateway on a loopback port that answers every request with a 404
 * problem. So the archive holds what real commands load (picocli's model and help, reading and
 * validating job files, the client key and request signing, the HTTP client, problem answers),
 * and nothing leaves the machine. Output is discarded; the exit codes are the stand-in's 404s.
 *
 * <p>{@code java -XX:ArchiveClassesAtExit=cli.jsa -cp cli.jar dev.veil.cli.ClassArchiveTraining <spec dir>}
 */
public final class ClassArchiveTraining {

  private static final byte[] NOT_FOUND = notFound();

  private ClassArchiveTraining() {}

  /** What a training run did: each command's exit code, in order, and the requests the stand-in answered. */
  record Run(List<Integer> exitCodes, int requests) {}

  public static void main(String[] args) throws IOException {
    train(Path.of(args.length > 0 ? args[0] : "spec"));
  }

  static Run train(Path specs) throws IOException {
    Path home = Files.createTempDirectory("veil-cli-training-");
    AtomicInteger requests = new AtomicInteger();
    List<Integer> exitCodes = new ArrayList<>();
    try (ServerSocket gateway = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread answering = new Thread(() -> answer(gateway, requests), "training-gateway");
      answering.setDaemon(true);
      answering.start();
      String url = "http://127.0.0.1:" + gateway.getLocalPort();
      Map<String, String> env = Map.of("VEIL_GATEWAY_URL", url, "VEIL_KEY_FILE", home.resolve("client.key").toString(),
          "VEIL_CONFIG", home.resolve("config.properties").toString(), "VEIL_STATUS_LINE", "never");
      String someId = "11111111111111111111111111111111111111111111";
      List<String[]> commands = new ArrayList<>(List.of(
          new String[] {"--help"}, new String[] {"job", "post", "--help"}, new String[] {"job", "status", someId},
          new String[] {"--json", "job", "status", someId}, new String[] {"job", "result", someId},
          new String[] {"job", "urls", someId}, new String[] {"session", "create"}));
      try (Stream<Path> files = Files.list(specs)) {
        files.filter(file -> file.toString().endsWith(".json")).sorted(Comparator.naturalOrder())
            .forEach(file -> commands.add(new String[] {"job", "post", "--file", file.toString()}));
      }
      for (String[] command : commands) {
        exitCodes.add(VeilCli.run(env, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), command));
      }
      return new Run(exitCodes, requests.get());
    } finally {
      try (Stream<Path> files = Files.walk(home)) {
        files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
  }

  // One connection at a time, none allowed to stall the rest for long.
  private static void answer(ServerSocket gateway, AtomicInteger requests) {
    while (!gateway.isClosed()) {
      try (Socket client = gateway.accept(); InputStream in = client.getInputStream(); OutputStream out = client.getOutputStream()) {
        client.setSoTimeout(5000);
        drainRequest(in);
        out.write(NOT_FOUND);
        requests.incrementAndGet();
      } catch (IOException | RuntimeException e) {
        if (gateway.isClosed()) {
          return;
        }
      }
    }
  }

  // The request head and a declared body: up to the blank line, then Content-Length bytes.
  private static void drainRequest(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      head.append((char) b);
      if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
        break;
      }
    }
    for (String line : head.toString().split("\r\n")) {
      if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
        in.readNBytes(Integer.parseInt(line.substring(15).trim()));
      }
    }
  }

  private static byte[] notFound() {
    String body = "{\"type\":\"https://veil.dev/problems/not-found\",\"title\":\"Not found\",\"status\":404}";
    return ("HTTP/1.1 404 Not Found\r\nContent-Type: application/problem+json\r\nContent-Length: " + body.length()
        + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
  }
}
