package dev.veil.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.veil.model.auth.KeyFile;
import dev.veil.model.id.RandomIds;
import dev.veil.testsupport.ToolsOnPath;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes manifests ({@code deploy/kubernetes}) as a cluster would get them: the example
 * overlay rendered by {@code kubectl kustomize} (its secrets made as its comments say), every
 * object parsed strictly against the Kubernetes API model (fabric8's; a field the API does not
 * have fails), then wired as {@link ComposeFileTest} wires docker-compose.yml: every setting is
 * one the module reads, every URL names a real Service and port that reaches that module, every
 * probe an actuator path on a port the container opens, every reference a rendered object. No
 * cluster runs here: what a cluster alone would show (scheduling, the Ingress controller, the
 * load balancer, the network policies enforced) is not exercised.
 */
class KubernetesManifestsTest {

  static final List<String> DEPLOYED = List.of("session-service", "job-market", "gateway");
  private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
      "Namespace", Namespace.class, "ConfigMap", ConfigMap.class, "Secret", Secret.class, "Service", Service.class,
      "Deployment", Deployment.class, "PodDisruptionBudget", PodDisruptionBudget.class, "Ingress", Ingress.class,
      "NetworkPolicy", NetworkPolicy.class);
  private static final Pattern SERVICE_URL = Pattern.compile("http://([a-z0-9-]+):(\\d+)");
  private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Z0-9_]+)\\)");

  static List<HasMetadata> objects;
  static List<String> unknownFields;

  @BeforeAll
  static void render(@TempDir Path dir) throws Exception {
    Path copy = dir.resolve("kubernetes");
    copyTree(LocalSuite.HOME.resolve("deploy/kubernetes"), copy);
    Path overlay = copy.resolve("overlays/example");
    // The secrets, made as the overlay's comments say; the host key with their openssl commands,
    // and it must be one the gateway reads.
    Files.writeString(overlay.resolve("market-session-token"), RandomIds.next());
    Files.writeString(overlay.resolve("gateway-session-token"), RandomIds.next());
    Path hostKey = overlay.resolve("host.key");
    Process key = new ProcessBuilder("sh", "-c", "openssl genpkey -algorithm ed25519 -out host.key && openssl pkey -in host.key -pubout >> host.key")
        .directory(overlay.toFile()).redirectErrorStream(true).start();
    String said = new String(key.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(key.waitFor(1, TimeUnit.MINUTES) && key.exitValue() == 0).as("openssl: " + said).isTrue();
    Files.setPosixFilePermissions(hostKey, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    assertThat(KeyFile.load(hostKey).getPublic().getAlgorithm()).isIn("Ed25519", "EdDSA");

    String rendered = kustomize(overlay);
    ObjectMapper yaml = new YAMLMapper(new YAMLFactory());
    ObjectMapper model = JsonMapper.builder().build();
    objects = new ArrayList<>();
    unknownFields = new ArrayList<>();
    for (JsonNode document : yaml.readerFor(JsonNode.class).<JsonNode>readValues(rendered).readAll()) {
      if (document == null || document.isNull() || document.isEmpty()) {
        continue;
      }
      String kind = document.path("kind").asText();
      assertThat(KINDS).as("a kind the manifests are expected to hold").containsKey(kind);
      HasMetadata object = model.treeToValue(document, KINDS.get(kind));
      assertThat(object.getApiVersion()).as(kind).isEqualTo(document.path("apiVersion").asText());
      strict(object, kind + "/" + object.getMetadata().getName(), unknownFields);
      objects.add(object);
    }
  }

  private static String kustomize(Path overlay) throws IOException, InterruptedException {
    ToolsOnPath.require("rendering the Kubernetes manifests", "kubectl");
    Process kubectl = new ProcessBuilder("kubectl", "kustomize", overlay.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] out = kubectl.getInputStream().readAllBytes();
    assertThat(kubectl.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(kubectl.exitValue()).as("kubectl kustomize " + overlay).isZero();
    return new String(out, StandardCharsets.UTF_8);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : files.toList()) {
        Path target = to.resolve(from.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target);
        }
      }
    }
  }

  // Every fabric8 model object keeps what the API does not define in its additional properties.
  private static void strict(Object value, String path, List<String> unknown) throws ReflectiveOperationException {
    if (value instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        strict(item, path + "[" + i++ + "]", unknown);
      }
      return;
    }
    if (value instanceof Map<?, ?> entries) {
      for (Map.Entry<?, ?> entry : entries.entrySet()) {
        strict(entry.getValue(), path + "." + entry.getKey(), unknown);
      }
      return;
    }
    if (value == null || !value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : value.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object field;
      try {
        field = getter.invoke(value);
      } catch (InvocationTargetException e) {
        continue;
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
          unknown.add(path + ": " + extra.keySet());
        }
      } else {
        strict(field, path + "." + getter.getName().substring(3), unknown);
      }
    }
  }

  static <T extends HasMetadata> List<T> all(Class<T> kind) {
    return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
  }

  static <T extends HasMetadata> T named(Class<T> kind, String name) {
    return all(kind).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind.getSimpleName() + " " + name + " in the rendered manifests"));
  }

  // A generated Secret or ConfigMap is named <name>-<hash>; references are rewritten to it.
  static <T extends HasMetadata> Optional<T> generated(Class<T> kind, String reference) {
    return all(kind).stream().filter(o -> o.getMetadata().getName().equals(reference)).findFirst();
  }

  static Container main(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  static String module(Container container) {
    String image = container.getImage();
    return image.substring(image.lastIndexOf('/') + 1, image.lastIndexOf(':'));
  }

  /** A container's environment as the process sees it: its ConfigMaps' keys, then its own variables. */
  static Map<String, String> env(Container container) {
    Map<String, String> env = new LinkedHashMap<>();
    if (container.getEnvFrom() != null) {
      container.getEnvFrom().forEach(from -> env.putAll(named(ConfigMap.class, from.getConfigMapRef().getName()).getData()));
    }
    for (EnvVar variable : container.getEnv()) {
      env.put(variable.getName(), variable.getValue() == null ? "<from " + variable.getValueFrom() + ">" : variable.getValue());
    }
    return env;
  }

  static int containerPort(Container container, IntOrString port) {
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName())).map(ContainerPort::getContainerPort)
        .findFirst().orElseThrow(() -> new AssertionError(container.getName() + " has no port named " + port.getStrVal()));
  }

  static boolean selects(Map<String, String> selector, Deployment deployment) {
    Map<String, String> labels = deployment.getSpec().getTemplate().getMetadata().getLabels();
    return selector != null && !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
  }

  /** The one Deployment whose pods a selector picks. */
  static Deployment selected(Map<String, String> selector, String what) {
    List<Deployment> picked = all(Deployment.class).stream().filter(d -> selects(selector, d)).toList();
    assertThat(picked).as(what + " selects the pods of exactly one Deployment").hasSize(1);
    return picked.get(0);
  }

  @Test
  void theOverlayRendersToValidKubernetesObjectsWithNoFieldTheApiLacks() {
    assertThat(unknownFields).as("fields the Kubernetes API does not define").isEmpty();
    Set<String> names = objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName().replaceAll("-[a-z0-9]{10}$", ""))
        .collect(Collectors.toSet());
    assertThat(names).containsExactlyInAnyOrder("Namespace/veil", "ConfigMap/veil-redis", "ConfigMap/veil-gateway", "Secret/veil-tokens",
        "Secret/veil-gateway-host-key", "Deployment/session-service", "Deployment/job-market", "Deployment/gateway",
        "Service/session-service", "Service/job-market", "Service/gateway", "Service/gateway-tunnel",
        "PodDisruptionBudget/session-service", "PodDisruptionBudget/job-market", "PodDisruptionBudget/gateway",
        "Ingress/gateway", "NetworkPolicy/default-deny-ingress", "NetworkPolicy/gateway-from-anywhere",
        "NetworkPolicy/session-service-from-callers", "NetworkPolicy/job-market-from-gateway", "NetworkPolicy/redis-from-services");
    objects.stream().filter(o -> !(o instanceof Namespace))
        .forEach(o -> assertThat(o.getMetadata().getNamespace()).as(o.getKind() + " " + o.getMetadata().getName()).isEqualTo("veil"));
  }

  @Test
  void eachServiceRunsReplicatedNonRootReadOnlyAndBoundedFromItsOwnImage() {
    for (String module : DEPLOYED) {
      Deployment deployment = named(Deployment.class, module);
      PodSpec pod = deployment.getSpec().getTemplate().getSpec();
      assertThat(deployment.getSpec().getReplicas()).as(module).isGreaterThanOrEqualTo(2);
      assertThat(module(main(deployment))).as(module).isEqualTo(module);
      assertThat(main(deployment).getImage()).as(module).startsWith("registry.veil.example.org/veil/");
      assertThat(pod.getSecurityContext().getRunAsNonRoot()).as(module).isTrue();
      assertThat(pod.getSecurityContext().getRunAsUser()).as(module).isPositive();
      assertThat(pod.getAutomountServiceAccountToken()).as(module + ": it never talks to the API server").isFalse();
      List<Container> containers = new ArrayList<>(pod.getContainers());
      if (pod.getInitContainers() != null) {
        containers.addAll(pod.getInitContainers());
      }
      for (Container container : containers) {
        String what = module + "/" + container.getName();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).as(what).isFalse();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).as(what).isTrue();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).as(what).containsExactly("ALL");
        for (String resource : List.of("cpu", "memory")) {
          Quantity request = container.getResources().getRequests().get(resource);
          Quantity limit = container.getResources().getLimits().get(resource);
          assertThat(request).as(what + " requests " + resource).isNotNull();
          assertThat(limit).as(what + " limits " + resource).isNotNull();
          assertThat(limit.getNumericalAmount()).as(what + " " + resource).isGreaterThanOrEqualTo(request.getNumericalAmount());
        }
      }
      // The JVM writes its temporary files somewhere: /tmp, a volume, since the root is read-only.
      assertThat(main(deployment).getVolumeMounts()).as(module).extracting(VolumeMount::getMountPath).contains("/tmp");
    }
  }

  @Test
  void everyProbeAsksTheActuatorOnThePortItServesOn() {
    for (String module : DEPLOYED) {
      Container container = main(named(Deployment.class, module));
      Map<String, String> env = env(container);
      int actuator = Integer.parseInt(module.equals("gateway") ? env.get("MANAGEMENT_PORT") : env.get("PORT"));
      assertThat(ModuleSettings.of(module).hasHealthProbes()).as(module + " enables the liveness and readiness groups").isTrue();
      Map<String, Probe> probes = Map.of("startup", container.getStartupProbe(), "liveness", container.getLivenessProbe(),
          "readiness", container.getReadinessProbe());
      probes.forEach((kind, probe) -> {
        assertThat(probe).as(module + " " + kind).isNotNull();
        HTTPGetAction get = probe.getHttpGet();
        assertThat(get.getPath()).as(module + " " + kind)
            .isEqualTo(kind.equals("readiness") ? "/actuator/health/readiness" : "/actuator/health/liveness");
        assertThat(containerPort(container, get.getPort())).as(module + " " + kind).isEqualTo(actuator);
      });
      assertThat(containerPort(container, new IntOrString("http"))).as(module + " serves on PORT")
          .isEqualTo(Integer.parseInt(env.get("PORT")));
    }
  }

  @Test
  void everySettingPassedIsOneTheModuleReadsAndEverySecretOrConfigItNamesIsRendered() {
    for (String module : DEPLOYED) {
      Deployment deployment = named(Deployment.class, module);
      Container container = main(deployment);
      ModuleSettings settings = ModuleSettings.of(module);
      Set<String> referenced = new java.util.HashSet<>();
      container.getEnv().stream().filter(v -> v.getValue() != null).forEach(v -> {
        Matcher reference = REFERENCE.matcher(v.getValue());
        while (reference.find()) {
          referenced.add(reference.group(1));
        }
      });
      for (String name : env(container).keySet()) {
        assertThat(settings.reads(name) || referenced.contains(name))
            .as("%s is given %s, which it neither reads nor binds", module, name).isTrue();
      }
      for (EnvVar variable : container.getEnv()) {
        if (variable.getValueFrom() != null && variable.getValueFrom().getSecretKeyRef() != null) {
          var ref = variable.getValueFrom().getSecretKeyRef();
          Secret secret = generated(Secret.class, ref.getName())
              .orElseThrow(() -> new AssertionError(module + " names Secret " + ref.getName() + ", not rendered"));
          assertThat(secret.getData()).as(module + " " + variable.getName()).containsKey(ref.getKey());
        }
      }
      deployment.getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getSecret() != null)
          .forEach(v -> assertThat(generated(Secret.class, v.getSecret().getSecretName())).as(module + " volume " + v.getName())
              .isPresent());
    }
    // The two tokens are the ones session-service trusts: the same keys of one Secret.
    assertThat(secretKey("session-service", "VEIL_SESSION_SERVICETOKENS_JOBMARKET")).isEqualTo(secretKey("job-market",
        "VEIL_MARKET_SESSION_TOKEN"));
    assertThat(secretKey("session-service", "VEIL_SESSION_SERVICETOKENS_GATEWAY")).isEqualTo(secretKey("gateway",
        "VEIL_GATEWAY_SESSION_TOKEN"));
  }

  private static String secretKey(String module, String variable) {
    EnvVar found = main(named(Deployment.class, module)).getEnv().stream().filter(v -> v.getName().equals(variable)).findFirst()
        .orElseThrow(() -> new AssertionError(module + " is not given " + variable));
    return found.getValueFrom().getSecretKeyRef().getName() + "/" + found.getValueFrom().getSecretKeyRef().getKey();
  }

  @Test
  void everyUrlNamesAServiceWhosePortReachesTheModuleItNames() {
    Map<String, String> named = Map.of("VEIL_SESSION_URL", "session-service", "VEIL_MARKET_URL", "job-market");
    for (String module : DEPLOYED) {
      env(main(named(Deployment.class, module))).forEach((name, value) -> {
        if (!named.containsKey(name)) {
          return;
        }
        Matcher url = SERVICE_URL.matcher(value);
        assertThat(url.matches()).as("%s %s=%s", module, name, value).isTrue();
        Service service = named(Service.class, url.group(1));
        Deployment target = selected(service.getSpec().getSelector(), "Service " + url.group(1));
        assertThat(module(main(target))).as("%s %s reaches", module, name).isEqualTo(named.get(name));
        ServicePort port = service.getSpec().getPorts().stream().filter(p -> p.getPort() == Integer.parseInt(url.group(2)))
            .findFirst().orElseThrow(() -> new AssertionError(value + ": Service " + url.group(1) + " has no such port"));
        assertThat(containerPort(main(target), port.getTargetPort())).as(value)
            .isEqualTo(Integer.parseInt(env(main(target)).get("PORT")));
      });
    }
    // And every Service reaches a port its pods open.
    for (Service service : all(Service.class)) {
      Deployment target = selected(service.getSpec().getSelector(), "Service " + service.getMetadata().getName());
      service.getSpec().getPorts().forEach(port -> containerPort(main(target), port.getTargetPort()));
    }
  }

  @Test
  void theIngressServesTheNodeDomainAndItsWildcardFromTheGatewaysHttpPort() {
    Ingress ingress = named(Ingress.class, "gateway");
    String domain = env(main(named(Deployment.class, "gateway"))).get("VEIL_NODE_DOMAIN");
    assertThat(ingress.getSpec().getRules()).extracting(IngressRule::getHost).containsExactlyInAnyOrder(domain, "*." + domain);
    assertThat(ingress.getSpec().getTls()).singleElement().satisfies(tls ->
        assertThat(tls.getHosts()).containsExactlyInAnyOrder(domain, "*." + domain));
    Container gateway = main(named(Deployment.class, "gateway"));
    for (IngressRule rule : ingress.getSpec().getRules()) {
      rule.getHttp().getPaths().forEach(path -> {
        assertThat(path.getPath()).isEqualTo("/");
        Service service = named(Service.class, path.getBackend().getService().getName());
        assertThat(selected(service.getSpec().getSelector(), "the Ingress's Service")).isSameAs(named(Deployment.class, "gateway"));
        ServicePort port = service.getSpec().getPorts().stream()
            .filter(p -> p.getName().equals(path.getBackend().getService().getPort().getName())).findFirst().orElseThrow();
        assertThat(containerPort(gateway, port.getTargetPort())).isEqualTo(Integer.parseInt(env(gateway).get("PORT")));
      });
    }
  }

  @Test
  void agentsDialTheTunnelThroughALoadBalancerAndEveryReplicaHasTheSharedHostKey() {
    Service tunnel = named(Service.class, "gateway-tunnel");
    Container gateway = main(named(Deployment.class, "gateway"));
    Map<String, String> env = env(gateway);
    assertThat(tunnel.getSpec().getType()).isEqualTo("LoadBalancer");
    assertThat(tunnel.getSpec().getPorts()).singleElement().satisfies(port -> {
      assertThat(port.getProtocol()).isEqualTo("TCP");
      assertThat(containerPort(gateway, port.getTargetPort())).isEqualTo(Integer.parseInt(env.get("VEIL_TUNNEL_PORT")));
    });
    // The key file the gateway reads is the Secret's, copied 0600 by the init container into a volume it mounts.
    Path keyFile = Path.of(env.get("VEIL_TUNNEL_HOST_KEY_FILE"));
    PodSpec pod = named(Deployment.class, "gateway").getSpec().getTemplate().getSpec();
    String volume = gateway.getVolumeMounts().stream().filter(m -> keyFile.startsWith(m.getMountPath())).findFirst()
        .orElseThrow(() -> new AssertionError("the host key's folder is not a volume")).getName();
    Container copier = pod.getInitContainers().get(0);
    assertThat(copier.getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getName()).isEqualTo(volume);
      assertThat(keyFile.startsWith(m.getMountPath())).isTrue();
    });
    assertThat(String.join(" ", copier.getCommand())).contains(keyFile.toString()).contains("chmod 600");
    String secretVolume = pod.getVolumes().stream().filter(v -> v.getSecret() != null).findFirst().orElseThrow().getName();
    VolumeMount secretMount = copier.getVolumeMounts().stream().filter(m -> m.getName().equals(secretVolume)).findFirst().orElseThrow();
    assertThat(String.join(" ", copier.getCommand())).contains(secretMount.getMountPath() + "/host.key");
    assertThat(generated(Secret.class, pod.getVolumes().stream().filter(v -> v.getSecret() != null).findFirst().orElseThrow()
        .getSecret().getSecretName()).orElseThrow().getData()).containsKey("host.key");
    // Replicas relay to each other at their pod IPs.
    assertThat(env.get("VEIL_REPLICA_URL")).isEqualTo("http://$(POD_IP):" + env.get("PORT"));
    assertThat(gateway.getEnv()).anySatisfy(v -> {
      assertThat(v.getName()).isEqualTo("POD_IP");
      assertThat(v.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
    });
  }

  @Test
  void aDisruptionBudgetKeepsOneOfEachRunning() {
    for (String module : DEPLOYED) {
      PodDisruptionBudget budget = named(PodDisruptionBudget.class, module);
      Deployment deployment = selected(budget.getSpec().getSelector().getMatchLabels(), "PodDisruptionBudget " + module);
      assertThat(deployment.getMetadata().getName()).isEqualTo(module);
      assertThat(budget.getSpec().getMinAvailable().getIntVal()).isEqualTo(1).isLessThan(deployment.getSpec().getReplicas());
    }
  }

  @Test
  void onlyTheGatewayIsReachableFromOutsideAndRedisOnlyFromTheServices() {
    NetworkPolicy deny = named(NetworkPolicy.class, "default-deny-ingress");
    assertThat(deny.getSpec().getPodSelector().getMatchLabels()).isNullOrEmpty();
    assertThat(deny.getSpec().getPolicyTypes()).containsExactly("Ingress");
    assertThat(deny.getSpec().getIngress()).isNullOrEmpty();
    Map<String, List<NetworkPolicyIngressRule>> rulesByModule = new HashMap<>();
    for (NetworkPolicy policy : all(NetworkPolicy.class)) {
      Map<String, String> selector = policy.getSpec().getPodSelector().getMatchLabels();
      all(Deployment.class).stream().filter(d -> selects(selector, d))
          .forEach(d -> rulesByModule.computeIfAbsent(d.getMetadata().getName(), m -> new ArrayList<>()).addAll(policy.getSpec().getIngress()));
    }
    // From anywhere (no "from"): the gateway alone, and only its HTTP and tunnel ports.
    Container gateway = main(named(Deployment.class, "gateway"));
    rulesByModule.forEach((module, rules) -> rules.stream().filter(rule -> rule.getFrom() == null || rule.getFrom().isEmpty())
        .forEach(rule -> {
          assertThat(module).as("a pod open to anyone").isEqualTo("gateway");
          assertThat(rule.getPorts()).extracting(p -> containerPort(gateway, p.getPort()))
              .containsExactlyInAnyOrder(Integer.parseInt(env(gateway).get("PORT")), Integer.parseInt(env(gateway).get("VEIL_TUNNEL_PORT")));
        }));
    assertThat(callers(rulesByModule.get("session-service"))).containsExactlyInAnyOrder("gateway", "job-market");
    assertThat(callers(rulesByModule.get("job-market"))).containsExactly("gateway");
    // Redis (when the operator runs it here, labelled as a redis component) from the three services only.
    NetworkPolicy redis = named(NetworkPolicy.class, "redis-from-services");
    assertThat(redis.getSpec().getPodSelector().getMatchLabels()).containsEntry("app.kubernetes.io/component", "redis");
    Map<String, String> clients = redis.getSpec().getIngress().get(0).getFrom().get(0).getPodSelector().getMatchLabels();
    assertThat(all(Deployment.class).stream().filter(d -> selects(clients, d)).map(d -> d.getMetadata().getName()))
        .containsExactlyInAnyOrderElementsOf(DEPLOYED);
  }

  // The Deployments a set of rules admits, by their "from" pod selectors.
  private static List<String> callers(List<NetworkPolicyIngressRule> rules) {
    assertThat(rules).isNotEmpty();
    return rules.stream().flatMap(rule -> rule.getFrom().stream()).map(NetworkPolicyPeer::getPodSelector)
        .flatMap(selector -> all(Deployment.class).stream().filter(d -> selects(selector.getMatchLabels(), d)))
        .map(d -> d.getMetadata().getName()).distinct().toList();
  }
}
