package dev.veil.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.agent.identity.NodeIdentity;
import dev.veil.model.auth.Ed25519;
import dev.veil.model.id.ExposeIds;
import dev.veil.model.id.RandomIds;
import dev.veil.model.json.VeilJson;
import dev.veil.model.market.JobRecord;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import dev.veil.model.result.LogEntry;
import dev.veil.model.result.ServiceStatus;
import dev.veil.model.result.ServiceUrls;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The seed's private flows with the exact JSON of spec/, sent as the seed's curl commands send
 * them (same paths, headers and bodies), checking what each party sees.
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class PrivateFlowsIT {

  @Container
  static final GenericContainer<?> redis = RedisContainers.redis();

  static Suite suite;
  static final int AGENT_PORT = RedisContainers.freePort();
  static final String AGENT = "http://127.0.0.1:" + AGENT_PORT;

  @DynamicPropertySource
  static void network(DynamicPropertyRegistry registry) throws Exception {
    suite = new Suite(redis);
    suite.agentProperties(registry, AGENT_PORT, "veil.agent.service-url-format", "https://%s.node.k8s.dev.nos.ci",
        "veil.agent.result-receipt-timeout", "PT3S");
  }

  @AfterAll
  static void stopNetwork() {
    suite.close();
  }

  @Autowired
  NodeIdentity node;

  final KeyPair alice = Ed25519.generate();
  final KeyPair bob = Ed25519.generate();

  static String spec(String name) throws Exception {
    return Files.readString(Path.of("..", "spec", name));
  }

  HttpResponse<String> sendDefinition(String jobId, String sessionId, String body) throws Exception {
    return suite.sendDefinition(AGENT_PORT, jobId, sessionId, body);
  }

  HttpResponse<String> get(String path, String sessionId) throws Exception {
    return suite.agentGet(AGENT_PORT, path, sessionId);
  }

  String scopedSession(KeyPair owner, String jobId) {
    return suite.login.login(owner, jobId, node.nodeId()).sessionId();
  }

  void awaitHostStatus(String jobId, JobStatus status) {
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> suite.record(jobId).hostStatus() == status);
  }

  @Test
  @org.junit.jupiter.api.extension.ExtendWith(org.springframework.boot.test.system.OutputCaptureExtension.class)
  void privateSendTheDefinitionGoesStraightToTheHost(org.springframework.boot.test.system.CapturedOutput output) throws Exception {
    JobRecord job = suite.post(alice, Suite.job(spec("private-send-template.json")), null);
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_JOB_DEFINITION);

    HttpResponse<String> sent = sendDefinition(job.jobId(), scopedSession(alice, job.jobId()), spec("job-definition-request.json"));
    assertThat(sent.statusCode()).isEqualTo(200);
    assertThat(sent.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
    assertThat(sent.body()).isEqualTo("{\"jobId\":\"" + job.jobId() + "\",\"status\":\"accepted\"}");

    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(60));
    assertThat(result.status()).isEqualTo(JobStatus.SUCCESS);
    // Public receive: the result, logs included, is public; the definition never was.
    assertThat(result.opStates().get(0).logs()).anyMatch(l -> l.log().equals("hello world"));
    assertThat(suite.record(job.jobId()).definition().ops()).isEmpty();
    assertThat(new String(VeilJson.write(suite.record(job.jobId())))).doesNotContain("echo hello world");
    // The public result carries what ran's output (receive is public here), not the definition itself.
    assertThat(suite.publishedBytes(job.jobId())).doesNotContain("echo hello world").doesNotContain("ubuntu");

    // The agent's log names the job, never what it ran; and the job ended once (one result, no second publish).
    assertThat(output.getAll()).contains(job.jobId()).doesNotContain("echo hello world").doesNotContain("could not be completed");

    // Exactly one definition is accepted.
    HttpResponse<String> again = sendDefinition(job.jobId(), scopedSession(alice, job.jobId()), spec("job-definition-request.json"));
    assertThat(again.statusCode()).isIn(404, 409);
  }

  @Test
  @org.junit.jupiter.api.extension.ExtendWith(org.springframework.boot.test.system.OutputCaptureExtension.class)
  void nothingOfAPrivateDefinitionReachesThePublicResultWhenItsOpsFail(org.springframework.boot.test.system.CapturedOutput output)
      throws Exception {
    String marker = "mrk" + Long.toHexString(System.nanoTime());
    String definition = """
        {"jobDefinition": {"version": "0.1", "type": "container", "ops": [
          {"type": "container/run", "id": "ran", "args": {"image": "ubuntu", "cmd": "true %1$s-in-the-command"}},
          {"type": "container/run", "id": "unpullable", "args": {"image": "localhost/%1$s-image:none", "cmd": "true"}},
          {"type": "container/run", "id": "unstartable", "args": {"image": "ubuntu", "cmd": ["/%1$s-no-such-program"]}}]}}"""
        .formatted(marker);
    JobRecord job = suite.post(alice, Suite.job(spec("private-send-template.json")), null);
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_JOB_DEFINITION);
    assertThat(sendDefinition(job.jobId(), scopedSession(alice, job.jobId()), definition).statusCode()).isEqualTo(200);

    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(90));

    assertThat(result.status()).isEqualTo(JobStatus.FAILED);
    assertThat(result.opStates().get(0).status()).isEqualTo(dev.veil.model.result.OpStatus.SUCCESS);
    assertThat(result.opStates().get(1).errors()).contains(
        "its image could not be pulled (the image and the engine's words are withheld: the definition is private)");
    assertThat(result.opStates().get(2).errors()).contains(
        "the container could not start (the engine's words are withheld: the definition is private)");
    assertThat(suite.publishedBytes(job.jobId())).doesNotContain(marker);
    assertThat(new String(VeilJson.write(suite.record(job.jobId())))).doesNotContain(marker);
    assertThat(output.getAll()).doesNotContain(marker);
  }

  /** The seed's private-receive template running "echo hello world" for alice, its result held. */
  JobRecord helloWorldHeldForAlice() throws Exception {
    String template = spec("private-receive-template.json").replace("\"ops\": []",
        "\"ops\": [{\"type\": \"container/run\", \"id\": \"hello-world\", \"args\": {\"cmd\": \"echo hello world\", \"image\": \"ubuntu\"}}]");
    JobRecord job = suite.post(alice, Suite.job(template), null);
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_RESULT);
    return job;
  }

  @Test
  void privateReceiveTheOwnerGetsTheResultOnceAndThePublicOnlyTheEmptyOne() throws Exception {
    JobRecord job = helloWorldHeldForAlice();
    String session = scopedSession(alice, job.jobId());

    // A HEAD says the result is there, and takes nothing: the one collection is the GET's.
    HttpResponse<Void> head = suite.http.send(HttpRequest.newBuilder(URI.create(AGENT + "/job-result/" + job.jobId()))
        .header("x-session-id", session).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.discarding());
    assertThat(head.statusCode()).isEqualTo(200);
    HttpResponse<String> collected = get("/job-result/" + job.jobId(), session);
    assertThat(collected.statusCode()).isEqualTo(200);
    FlowState full = VeilJson.readStrict(collected.body().getBytes(), FlowState.class);
    assertThat(full.status()).isEqualTo(JobStatus.SUCCESS);
    assertThat(full.opStates().get(0).logs()).contains(full.opStates().get(0).logs().stream()
        .filter(l -> l.type().equals(LogEntry.STDOUT) && l.log().equals("hello world")).findFirst().orElseThrow());

    FlowState published = suite.awaitResult(job.jobId(), Duration.ofSeconds(30));
    assertThat(published).isEqualTo(full.publicCopy());
    assertThat(suite.publishedBytes(job.jobId())).doesNotContain("hello world");

    HttpResponse<String> second = get("/job-result/" + job.jobId(), session);
    assertThat(second.statusCode()).isEqualTo(410);
    assertThat(second.headers().firstValue("Content-Type")).hasValue("application/problem+json");
  }

  HttpResponse<String> collectForARelay(String jobId, String session) throws Exception {
    return suite.http.send(HttpRequest.newBuilder(URI.create(AGENT + "/job-result/" + jobId))
        .header("x-session-id", session).header("x-veil-receipt", "requested").build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> receipt(String jobId, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(AGENT + "/job-result/" + jobId + "/receipt"))
        .POST(HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      request.header("x-veil-receipt-token", token);
    }
    return suite.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aResultARelayTakesIsCollectedByItsReceiptAndHeldAgainWithoutOne() throws Exception {
    JobRecord job = helloWorldHeldForAlice();
    String session = scopedSession(alice, job.jobId());

    // A relay (the gateway) takes it, and never confirms: the gateway died before the owner had it all.
    HttpResponse<String> lost = collectForARelay(job.jobId(), session);
    assertThat(lost.statusCode()).isEqualTo(200);
    String lostToken = lost.headers().firstValue("x-veil-receipt-token").orElseThrow();

    // Asked again (through another gateway): once the receipt's 3 s are out, the result again, whole.
    HttpResponse<String> again = collectForARelay(job.jobId(), session);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.body()).isEqualTo(lost.body()).contains("hello world");
    String token = again.headers().firstValue("x-veil-receipt-token").orElseThrow();
    assertThat(token).isNotEqualTo(lostToken);
    assertThat(suite.record(job.jobId()).hostStatus()).isEqualTo(JobStatus.WAITING_FOR_RESULT);

    // Only this delivery's token collects it; anything else is a 404 that says nothing.
    for (String wrong : new String[] {lostToken, token.substring(1), null}) {
      HttpResponse<String> refused = receipt(job.jobId(), wrong);
      assertThat(refused.statusCode()).as(String.valueOf(wrong)).isEqualTo(404);
      assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }
    assertThat(receipt(RandomIds.next(), token).statusCode()).isEqualTo(404);
    assertThat(receipt(job.jobId(), token).statusCode()).isEqualTo(204);

    FlowState published = suite.awaitResult(job.jobId(), Duration.ofSeconds(30));
    assertThat(published.status()).isEqualTo(JobStatus.SUCCESS);
    assertThat(get("/job-result/" + job.jobId(), session).statusCode()).isEqualTo(410);
    assertThat(receipt(job.jobId(), token).statusCode()).isEqualTo(404);
  }

  @Test
  void aPrivateResultHoldsEveryLineEvenPastThePublishedResultsLimits() throws Exception {
    // 30,000 lines: three times the published result's cap of lines per op.
    String template = spec("private-receive-template.json").replace("\"ops\": []",
        "\"ops\": [{\"type\": \"container/run\", \"id\": \"count\", \"args\": {\"cmd\": \"seq 1 30000\", \"image\": \"ubuntu\"}}]");
    JobRecord job = suite.post(alice, Suite.job(template), null);
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_RESULT);

    HttpResponse<String> collected = get("/job-result/" + job.jobId(), scopedSession(alice, job.jobId()));

    assertThat(collected.statusCode()).isEqualTo(200);
    FlowState full = VeilJson.readStrict(collected.body().getBytes(), FlowState.class);
    assertThat(full.opStates().get(0).logs()).extracting(LogEntry::log)
        .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 30_000).mapToObj(Integer::toString).toList());
    assertThat(suite.awaitResult(job.jobId(), Duration.ofSeconds(30)).opStates()).isEmpty();
  }

  @Test
  void nosanasCurrentRoutesAreTheSameEndpoints() throws Exception {
    JobRecord job = suite.post(alice, Suite.job(spec("private-send-receive-template.json")), null);
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_JOB_DEFINITION);
    String session = scopedSession(alice, job.jobId());
    String wrapped = spec("job-definition-request.json");
    String bare = VeilJson.strict().readTree(wrapped).get("jobDefinition").toString();

    assertThat(postTo("/job/" + job.jobId() + "/job-definition", null, bare).statusCode()).as("no session").isEqualTo(401);
    HttpResponse<String> invalid = postTo("/job/" + job.jobId() + "/job-definition", session, "{\"version\": \"0.1\"}");
    assertThat(invalid.statusCode()).isEqualTo(400);
    assertThat(invalid.body()).contains("\"/ops\"").doesNotContain("/jobDefinition");
    // The definition itself as the body, as Nosana's clients send it today.
    HttpResponse<String> accepted = postTo("/job/" + job.jobId() + "/job-definition", session, bare);
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
    assertThat(accepted.body()).contains("\"status\":\"accepted\"");
    assertThat(postTo("/job/" + job.jobId() + "/job-definition", session, bare).statusCode()).as("replayed").isEqualTo(409);

    // Through the gateway too: its node routes let /job/ through to the agent (which asks for a session), not a 404.
    Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> suite.viaGateway(node.nodeId(), "/job/" + job.jobId() + "/endpoints").status() == 401);
    HttpResponse<String> endpoints = get("/job/" + job.jobId() + "/endpoints", session);
    assertThat(endpoints.statusCode()).isEqualTo(200);
    VeilJson.readStrict(endpoints.body().getBytes(), ServiceUrls.class);

    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_RESULT);
    assertThat(get("/job/" + job.jobId() + "/results", null).statusCode()).as("no session").isEqualTo(401);
    FlowState full = VeilJson.readStrict(get("/job/" + job.jobId() + "/results", session).body().getBytes(), FlowState.class);
    assertThat(full.opStates().get(0).logs()).anyMatch(l -> l.log().equals("hello world"));
    assertThat(get("/job-result/" + job.jobId(), session).statusCode()).as("collected once, by either route").isEqualTo(410);

    // The seed's body on Nosana's route works too.
    JobRecord other = suite.post(alice, Suite.job(spec("private-send-template.json")), null);
    awaitHostStatus(other.jobId(), JobStatus.WAITING_FOR_JOB_DEFINITION);
    assertThat(postTo("/job/" + other.jobId() + "/job-definition", scopedSession(alice, other.jobId()), wrapped).statusCode())
        .isEqualTo(200);
  }

  @Test
  @org.junit.jupiter.api.extension.ExtendWith(org.springframework.boot.test.system.OutputCaptureExtension.class)
  void aDefinitionSealedToThisNodeForThisJobRunsAndNoOtherSealedOneDoes(org.springframework.boot.test.system.CapturedOutput output)
      throws Exception {
    // The node's encryption key, at the node and in its market record, signed by the node key.
    HttpResponse<String> info = get("/node/info", null);
    dev.veil.model.sealing.NodeEncryptionKey published = VeilJson.strict().treeToValue(
        VeilJson.strict().readTree(info.body()).get("encryptionKey"), dev.veil.model.sealing.NodeEncryptionKey.class);
    byte[] nodeKey = published.verifiedFor(node.nodeId()).orElseThrow();
    HttpResponse<String> record = suite.http.send(HttpRequest.newBuilder(URI.create(suite.market.baseUrl() + "/v1/nodes/" + node.nodeId()))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(record.statusCode()).isEqualTo(200);
    assertThat(VeilJson.strict().treeToValue(VeilJson.strict().readTree(record.body()).get("encryptionKey"),
        dev.veil.model.sealing.NodeEncryptionKey.class)).isEqualTo(published);

    String marker = "sealedmrk" + Long.toHexString(System.nanoTime());
    byte[] definition = ("{\"version\": \"0.1\", \"type\": \"container\", \"ops\": [{\"type\": \"container/run\", "
        + "\"id\": \"sealed\", \"args\": {\"image\": \"ubuntu\", \"cmd\": \"echo " + marker + "\"}}]}").getBytes();
    JobRecord job = suite.post(alice, Suite.job(spec("private-send-receive-template.json")), null);
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_JOB_DEFINITION);
    String session = scopedSession(alice, job.jobId());

    String otherJob = RandomIds.next();
    HttpResponse<String> forAnotherJob = postSealed(job.jobId(), session,
        dev.veil.model.sealing.SealedDefinition.seal(definition, nodeKey, otherJob, node.nodeId()));
    assertThat(forAnotherJob.statusCode()).as(forAnotherJob.body()).isEqualTo(400);
    assertThat(forAnotherJob.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(forAnotherJob.body()).contains("does not open with this node's key for this job");
    byte[] anotherNodesKey = dev.veil.model.sealing.Hpke.publicKey(dev.veil.model.sealing.Hpke.newPrivateKey());
    assertThat(postSealed(job.jobId(), session, dev.veil.model.sealing.SealedDefinition.seal(definition, anotherNodesKey,
        job.jobId(), node.nodeId())).statusCode()).as("sealed to another node's key").isEqualTo(400);
    assertThat(postSealed(job.jobId(), session, dev.veil.model.sealing.SealedDefinition.seal(definition, nodeKey,
        job.jobId(), Ed25519.id(Ed25519.generate().getPublic()))).statusCode()).as("sealed for another node ID").isEqualTo(400);
    dev.veil.model.sealing.SealedDefinition good = dev.veil.model.sealing.SealedDefinition.seal(definition, nodeKey, job.jobId(),
        node.nodeId());
    byte[] changed = java.util.Base64.getUrlDecoder().decode(good.ciphertext());
    changed[changed.length - 1] ^= 1;
    assertThat(postSealed(job.jobId(), session, new dev.veil.model.sealing.SealedDefinition(good.suite(), good.enc(),
        java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(changed))).statusCode()).as("changed").isEqualTo(400);
    assertThat(postSealed(job.jobId(), null, good).statusCode()).as("no session").isEqualTo(401);
    // One that opens but is not a valid definition is refused without a word of it: the answer travels in clear.
    HttpResponse<String> invalid = postSealed(job.jobId(), session, dev.veil.model.sealing.SealedDefinition.seal(
        ("{\"version\": \"0.1\", \"type\": \"" + marker + "\", \"ops\": []}").getBytes(), nodeKey, job.jobId(), node.nodeId()));
    assertThat(invalid.statusCode()).isEqualTo(400);
    assertThat(invalid.body()).contains("opened, but is not a valid job definition").doesNotContain(marker);
    HttpResponse<String> unparsable = postSealed(job.jobId(), session, dev.veil.model.sealing.SealedDefinition.seal(
        (marker + " is not JSON").getBytes(), nodeKey, job.jobId(), node.nodeId()));
    assertThat(unparsable.statusCode()).isEqualTo(400);
    assertThat(unparsable.body()).doesNotContain(marker);
    HttpResponse<String> nothing = suite.http.send(HttpRequest.newBuilder(URI.create(AGENT + "/job-definition/" + job.jobId()))
        .header("Content-Type", dev.veil.model.sealing.SealedDefinition.MEDIA_TYPE).header("x-session-id", session)
        .POST(HttpRequest.BodyPublishers.ofString("null")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(nothing.statusCode()).as(nothing.body()).isEqualTo(400);
    assertThat(sendDefinition(job.jobId(), session, "null").statusCode()).as("a JSON null, plain").isEqualTo(400);
    assertThat(postTo("/job/" + job.jobId() + "/job-definition", session, "null").statusCode()).as("a JSON null, bare").isEqualTo(400);

    // Through the gateway, as a client sends it.
    Suite.Exchange accepted = suite.nodeViaGateway(node.nodeId(), "POST", "/job-definition/" + job.jobId(), session,
        dev.veil.model.sealing.SealedDefinition.MEDIA_TYPE, good.toJson());
    assertThat(accepted.status()).as(new String(accepted.body())).isEqualTo(200);
    assertThat(new String(accepted.body())).isEqualTo("{\"jobId\":\"" + job.jobId() + "\",\"status\":\"accepted\"}");
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_RESULT);
    FlowState full = VeilJson.readStrict(get("/job-result/" + job.jobId(), session).body().getBytes(), FlowState.class);
    assertThat(full.opStates().get(0).logs()).anyMatch(l -> l.log().equals(marker));
    suite.awaitResult(job.jobId(), Duration.ofSeconds(60));
    // Neither the host's log, nor the gateway's, nor anything public holds what was sealed.
    assertThat(output.getAll()).doesNotContain(marker);
    assertThat(suite.gateway.log()).doesNotContain(marker);
    assertThat(suite.publishedBytes(job.jobId())).doesNotContain(marker);
    assertThat(new String(VeilJson.write(suite.record(job.jobId())))).doesNotContain(marker);
  }

  @Test
  @org.junit.jupiter.api.extension.ExtendWith(org.springframework.boot.test.system.OutputCaptureExtension.class)
  void aResultSealedToItsOwnerOpensOnlyWithTheOwnersKeyAndNothingOfItTravelsInClear(
      org.springframework.boot.test.system.CapturedOutput output) throws Exception {
    byte[] ownerKey = dev.veil.model.sealing.Hpke.newPrivateKey();
    byte[] nodeKey = nodeEncryptionKey();
    String owner = Ed25519.id(alice.getPublic());
    String marker = "sealedresultmrk" + Long.toHexString(System.nanoTime());
    String recipient = new String(VeilJson.write(dev.veil.model.sealing.RecipientKey.signed(owner, alice.getPrivate(),
        dev.veil.model.sealing.Hpke.publicKey(ownerKey))));
    // Over 64 KiB of result: sealed in several chunks.
    String template = spec("private-receive-template.json")
        .replace("\"args\": {}", "\"args\": {\"recipient\": " + recipient + "}")
        .replace("\"ops\": []", "\"ops\": [{\"type\": \"container/run\", \"id\": \"sealed\", \"args\": {\"image\": "
            + "\"ubuntu\", \"cmd\": [\"sh\", \"-c\", \"echo " + marker + "; seq 1 20000\"]}}]");

    // A recipient key signed by another key than the poster's is refused when posted.
    dev.veil.model.sealing.RecipientKey bobs = dev.veil.model.sealing.RecipientKey.signed(owner, bob.getPrivate(),
        dev.veil.model.sealing.Hpke.publicKey(ownerKey));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> suite.post(alice,
            Suite.job(template.replace(recipient, new String(VeilJson.write(bobs)))), null))
        .hasMessageContaining("answered 400").hasMessageContaining("/definition/logistics/receive/args/recipient/signature");

    JobRecord job = suite.post(alice, Suite.job(template), null);
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_RESULT);
    String session = scopedSession(alice, job.jobId());
    // Its live log is sealed to the same key: line numbers in clear, what the lines say not.
    HttpResponse<String> log = get("/job-logs/" + job.jobId() + "?follow=false", session);
    assertThat(log.statusCode()).isEqualTo(200);
    assertThat(log.body()).startsWith("retry: 2000\n\nevent: sealed\ndata: {").doesNotContain(marker).doesNotContain("stdout");
    List<String> events = openSealedLog(ownerKey, job.jobId(), log.body());
    assertThat(events).hasSize(20_002);
    assertThat(VeilJson.strict().readTree(events.get(0)).get("log").asString()).isEqualTo(marker);
    assertThat(VeilJson.strict().readTree(events.get(20_001)).get("status").asString()).isEqualTo("success");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> openSealedLog(dev.veil.model.sealing.Hpke.newPrivateKey(),
        job.jobId(), log.body())).isInstanceOf(dev.veil.model.sealing.SealedResult.NotOpened.class);

    // Collected through the gateway, as a client does.
    Suite.Exchange collected = suite.nodeViaGateway(node.nodeId(), "GET", "/job-result/" + job.jobId(), session, null, null);
    assertThat(collected.status()).isEqualTo(200);
    assertThat(collected.contentType()).isEqualTo(dev.veil.model.sealing.SealedResult.MEDIA_TYPE);
    assertThat(new String(collected.body(), java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(marker)
        .doesNotContain("19999");
    assertThat(VeilJson.strict().readTree(collected.body()).get("chunks").size()).isGreaterThan(1);
    // Not with another key, not as another job's or node's.
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.veil.model.sealing.SealedResult.open(
            dev.veil.model.sealing.Hpke.newPrivateKey(), nodeKey, job.jobId(), node.nodeId(),
            new java.io.ByteArrayInputStream(collected.body()), java.io.OutputStream.nullOutputStream()))
        .isInstanceOf(dev.veil.model.sealing.SealedResult.NotOpened.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.veil.model.sealing.SealedResult.open(ownerKey, nodeKey, RandomIds.next(),
            node.nodeId(), new java.io.ByteArrayInputStream(collected.body()), java.io.OutputStream.nullOutputStream()))
        .isInstanceOf(dev.veil.model.sealing.SealedResult.NotOpened.class);
    java.io.ByteArrayOutputStream opened = new java.io.ByteArrayOutputStream();
    dev.veil.model.sealing.SealedResult.open(ownerKey, nodeKey, job.jobId(), node.nodeId(), new java.io.ByteArrayInputStream(collected.body()),
        opened);
    FlowState full = VeilJson.readStrict(opened.toByteArray(), FlowState.class);
    assertThat(full.status()).isEqualTo(JobStatus.SUCCESS);
    assertThat(full.opStates().get(0).logs()).hasSize(20_001).first().satisfies(l -> assertThat(l.log()).isEqualTo(marker));
    assertThat(full.opStates().get(0).logs().get(20_000).log()).isEqualTo("20000");

    suite.awaitResult(job.jobId(), Duration.ofSeconds(60));
    assertThat(get("/job-result/" + job.jobId(), session).statusCode()).isEqualTo(410);
    assertThat(output.getAll()).doesNotContain(marker);
    assertThat(suite.gateway.log()).doesNotContain(marker);
    assertThat(suite.publishedBytes(job.jobId())).doesNotContain(marker);
  }

  // The node's X25519 key as it publishes it, checked against its node ID.
  byte[] nodeEncryptionKey() throws Exception {
    return VeilJson.strict().treeToValue(VeilJson.strict().readTree(get("/node/info", null).body()).get("encryptionKey"),
        dev.veil.model.sealing.NodeEncryptionKey.class).verifiedFor(node.nodeId()).orElseThrow();
  }

  // Every log and end event's data of a sealed log stream, opened in order.
  List<String> openSealedLog(byte[] key, String jobId, String stream) throws Exception {
    List<String> opened = new java.util.ArrayList<>();
    dev.veil.model.sealing.SealedLog.Opener opener = null;
    for (String event : stream.split("\n\n")) {
      java.util.Map<String, String> fields = new java.util.HashMap<>();
      event.lines().filter(l -> l.contains(": ")).forEach(l -> fields.put(l.substring(0, l.indexOf(": ")), l.substring(l.indexOf(": ") + 2)));
      String name = fields.get("event");
      if ("sealed".equals(name)) {
        opener = dev.veil.model.sealing.SealedLog.Opener.of(key, nodeEncryptionKey(), jobId, node.nodeId(), fields.get("data"));
      } else if ("log".equals(name) || "end".equals(name)) {
        opened.add(new String(opener.open(name, fields.getOrDefault("id", ""), fields.get("data")),
            java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return opened;
  }

  HttpResponse<String> postSealed(String jobId, String sessionId, dev.veil.model.sealing.SealedDefinition sealed) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(AGENT + "/job-definition/" + jobId))
        .header("Content-Type", dev.veil.model.sealing.SealedDefinition.MEDIA_TYPE)
        .POST(HttpRequest.BodyPublishers.ofByteArray(sealed.toJson()));
    if (sessionId != null) {
      request.header("x-session-id", sessionId);
    }
    return suite.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> postTo(String path, String sessionId, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(AGENT + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (sessionId != null) {
      request.header("x-session-id", sessionId);
    }
    return suite.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void privateSendAndReceiveAndTheResultIsNotReadyBeforeTheOpsFinish() throws Exception {
    JobRecord job = suite.post(alice, Suite.job(spec("private-send-receive-template.json")), null);
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_JOB_DEFINITION);
    String session = scopedSession(alice, job.jobId());

    HttpResponse<String> early = get("/job-result/" + job.jobId(), session);
    assertThat(early.statusCode()).isEqualTo(409);
    assertThat(early.headers().firstValue("Retry-After")).isPresent();

    String slow = spec("job-definition-request.json").replace("echo hello world", "sleep 2; echo hello world");
    assertThat(sendDefinition(job.jobId(), session, slow).statusCode()).isEqualTo(200);
    assertThat(sendDefinition(job.jobId(), session, slow).statusCode()).as("a replayed definition").isEqualTo(409);

    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_RESULT);
    FlowState full = VeilJson.readStrict(get("/job-result/" + job.jobId(), session).body().getBytes(), FlowState.class);
    assertThat(full.opStates().get(0).logs()).anyMatch(l -> l.log().equals("hello world"));
    assertThat(suite.awaitResult(job.jobId(), Duration.ofSeconds(30)).opStates()).isEmpty();
    assertThat(suite.publishedBytes(job.jobId())).doesNotContain("hello world");
  }

  @Test
  @org.junit.jupiter.api.extension.ExtendWith(org.springframework.boot.test.system.OutputCaptureExtension.class)
  void privateExposeTheOwnerReadsAnUnguessableUrlThatIsNowhereInPublic(
      org.springframework.boot.test.system.CapturedOutput output) throws Exception {
    JobRecord job = suite.post(alice, Suite.job(spec("private-expose-job.json")), null);
    String session = scopedSession(alice, job.jobId());

    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
      ServiceUrls urls = VeilJson.readStrict(get("/service/url/" + job.jobId(), session).body().getBytes(), ServiceUrls.class);
      return urls.status() == ServiceStatus.ONLINE;
    });
    ServiceUrls urls = VeilJson.readStrict(get("/service/url/" + job.jobId(), session).body().getBytes(), ServiceUrls.class);
    assertThat(urls.urls()).hasSize(1);
    String serviceId = urls.urls().keySet().iterator().next();
    assertThat(serviceId).isNotEqualTo(ExposeIds.publicId(0, 80, job.jobId()));
    assertThat(RandomIds.isWellFormed(serviceId)).as("256 random bits, base58").isTrue();
    assertThat(urls.urls().get(serviceId).port()).isEqualTo(80);
    assertThat(urls.urls().get(serviceId).url()).isEqualTo("https://" + serviceId + ".node.k8s.dev.nos.ci");

    assertThat(new String(VeilJson.write(suite.record(job.jobId())))).doesNotContain(serviceId);
    // Reached through the gateway, then every service's metrics are read: no job, session or service ID in any.
    // (Its forward reaches the gateway's registry on its own time; ONLINE is the agent's check of the container.)
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
        .until(() -> suite.viaGateway(serviceId, "/").status() == 200);
    for (String scrape : List.of(AGENT, suite.market.managementUrl(), suite.sessions.managementUrl(), suite.gateway.managementUrl())) {
      HttpResponse<String> metrics = suite.http.send(HttpRequest.newBuilder(URI.create(scrape + "/actuator/prometheus")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.statusCode()).as(scrape).isEqualTo(200);
      assertThat(metrics.body()).as(scrape).contains("http_").doesNotContain(serviceId, session, job.jobId());
    }
    assertThat(suite.stop(alice, job.jobId())).isEqualTo(200);
    suite.awaitResult(job.jobId(), Duration.ofSeconds(60));
    assertThat(suite.publishedBytes(job.jobId())).doesNotContain(serviceId);
    // Nor in the agent's own log: neither the private service ID nor the session.
    assertThat(output.getAll()).contains(job.jobId()).doesNotContain(serviceId, session);
  }

  @Test
  void anOwnerOnlyServiceIsOpenedByTheGatewayToItsOwnersSessionsAlone() throws Exception {
    JobRecord job = suite.post(alice, Suite.job(spec("private-expose-job.json")
        .replace("\"private\": true,", "\"private\": true, \"access\": \"owner\",")), null);
    String session = scopedSession(alice, job.jobId());
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
        VeilJson.readStrict(get("/service/url/" + job.jobId(), session).body().getBytes(), ServiceUrls.class).status()
            == ServiceStatus.ONLINE);
    ServiceUrls urls = VeilJson.readStrict(get("/service/url/" + job.jobId(), session).body().getBytes(), ServiceUrls.class);
    String serviceId = urls.urls().keySet().iterator().next();
    assertThat(urls.urls().get(serviceId).access()).isEqualTo("owner");

    // The gateway takes a session of the job (not one scoped to a node: that is for the host alone).
    String forTheGateway = suite.login.login(alice, job.jobId(), null).sessionId();
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
        .until(() -> suite.viaGateway(serviceId, "/", forTheGateway).status() == 200);
    assertThat(suite.viaGateway(serviceId, "/").status()).as("no session").isEqualTo(401);
    assertThat(suite.viaGateway(serviceId, "/", suite.login.login(bob, job.jobId(), null).sessionId()).status())
        .as("another owner's session").isEqualTo(401);
    assertThat(suite.viaGateway(serviceId, "/", session).status()).as("a session scoped to the node").isEqualTo(401);
    assertThat(suite.stop(alice, job.jobId())).isEqualTo(200);
    suite.awaitResult(job.jobId(), Duration.ofSeconds(60));
  }

  @Test
  void everyEndpointRefusesWhoeverIsNotTheOwnerWithTheRightScope() throws Exception {
    JobRecord job = suite.post(alice, Suite.job(spec("private-send-receive-template.json")), null);
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_JOB_DEFINITION);
    String other = suite.post(alice, Suite.job(spec("private-send-template.json")), null).jobId();
    String revoked = scopedSession(alice, job.jobId());
    suite.http.send(HttpRequest.newBuilder(URI.create(suite.sessions.baseUrl() + "/v1/sessions/current"))
        .header("x-session-id", revoked).DELETE().build(), HttpResponse.BodyHandlers.discarding());

    record Case(String name, String session, int status) {}
    List<Case> cases = List.of(
        new Case("no header", null, 401),
        new Case("malformed session", "not-a-session", 401),
        new Case("unknown session", RandomIds.next(), 401),
        new Case("revoked session", revoked, 401),
        new Case("another owner's session", suite.login.login(bob, job.jobId(), null).sessionId(), 404),
        new Case("the owner's session scoped to no job", suite.login.sessionId(alice), 401),
        new Case("scoped to another job", suite.login.login(alice, other, null).sessionId(), 401),
        new Case("scoped to another node", suite.login.login(alice, job.jobId(), Ed25519.id(Ed25519.generate().getPublic())).sessionId(), 401));
    for (Case c : cases) {
      assertThat(get("/job-result/" + job.jobId(), c.session()).statusCode()).as("result, " + c.name()).isEqualTo(c.status());
      assertThat(get("/service/url/" + job.jobId(), c.session()).statusCode()).as("urls, " + c.name()).isEqualTo(c.status());
      HttpResponse<String> definition = sendDefinition(job.jobId(), c.session(), spec("job-definition-request.json"));
      assertThat(definition.statusCode()).as("definition, " + c.name()).isEqualTo(c.status());
      assertThat(definition.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }
    // A session that was fine a moment ago is refused once it has expired.
    String shortLived = suite.login.login(alice, job.jobId(), node.nodeId(), 1L).sessionId();
    assertThat(get("/job-result/" + job.jobId(), shortLived).statusCode()).as("before expiry: not ready yet").isEqualTo(409);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> get("/job-result/" + job.jobId(), shortLived).statusCode() == 401);
    assertThat(get("/service/url/" + job.jobId(), shortLived).statusCode()).as("urls, expired").isEqualTo(401);
    assertThat(sendDefinition(job.jobId(), shortLived, spec("job-definition-request.json")).statusCode())
        .as("definition, expired").isEqualTo(401);

    // An unknown job answers exactly like someone else's job.
    String unknownJob = RandomIds.next();
    HttpResponse<String> doesNotExist = get("/job-result/" + unknownJob, suite.login.login(alice, unknownJob, null).sessionId());
    HttpResponse<String> notYours = get("/job-result/" + job.jobId(), suite.login.login(bob, job.jobId(), null).sessionId());
    assertThat(doesNotExist.statusCode()).isEqualTo(404);
    assertThat(notYours.statusCode()).isEqualTo(404);
    // The same answer, but for the path it names: nothing tells "not yours" from "does not exist".
    assertThat(notYours.body().replace(job.jobId(), "JOB")).isEqualTo(doesNotExist.body().replace(unknownJob, "JOB"));

    // The real owner is still welcome, and a wrong body is explained.
    String session = scopedSession(alice, job.jobId());
    HttpResponse<String> broken = sendDefinition(job.jobId(), session, "{\"jobDefinition\": {");
    assertThat(broken.statusCode()).isEqualTo(400);
    assertThat(broken.body()).contains("not valid JSON");
    HttpResponse<String> invalid = sendDefinition(job.jobId(), session,
        "{\"jobDefinition\": {\"version\": \"0.1\", \"type\": \"container\", \"ops\": []}}");
    assertThat(invalid.statusCode()).isEqualTo(400);
    assertThat(invalid.body()).contains("/jobDefinition/ops");
    HttpResponse<String> huge = sendDefinition(job.jobId(), session,
        "{\"jobDefinition\": {\"meta\": {\"x\": \"" + "a".repeat(2 * 1024 * 1024) + "\"}}}");
    assertThat(huge.statusCode()).isEqualTo(413);
    assertThat(sendDefinition(job.jobId(), session, spec("job-definition-request.json")).statusCode()).isEqualTo(200);
    assertThat(suite.stop(alice, other)).isEqualTo(200);
  }

  @Test
  void aTemplateThatCommitsToAHashTakesOnlyThatDefinition() throws Exception {
    String definition = spec("job-definition-request.json");
    String hash = dev.veil.model.json.CanonicalJson.sha256(VeilJson.readStrict(definition.getBytes(),
        dev.veil.model.job.JobDefinitionRequest.class).jobDefinition());
    String template = spec("private-send-template.json").replace("\"args\": {}", "\"args\": {\"hash\": \"" + hash + "\"}");
    JobRecord job = suite.post(alice, Suite.job(template), null);
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_JOB_DEFINITION);
    String session = scopedSession(alice, job.jobId());

    HttpResponse<String> wrong = sendDefinition(job.jobId(), session, definition.replace("echo hello world", "echo something else"));
    assertThat(wrong.statusCode()).isEqualTo(400);
    assertThat(wrong.body()).contains("does not match the hash");
    assertThat(sendDefinition(job.jobId(), session, definition).statusCode()).isEqualTo(200);
    assertThat(suite.awaitResult(job.jobId(), Duration.ofSeconds(60)).status()).isEqualTo(JobStatus.SUCCESS);
  }
}
