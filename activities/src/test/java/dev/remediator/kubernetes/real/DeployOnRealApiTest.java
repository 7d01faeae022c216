package dev.remediator.kubernetes.real;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.remediator.kubeplane.ControlPlane;
import dev.remediator.kubeplane.ControlPlaneExtension;
import dev.remediator.kubernetes.KubernetesActivitiesImpl;
import dev.remediator.kubernetes.dbpool.PoolSizeActivitiesImpl;
import dev.remediator.kubernetes.servicedown.WorkloadActivitiesImpl;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/ on a real API server (issue 28, item 4): every kustomize overlay is accepted server-side; the worker's
 * {@code kubectl auth can-i --list}, with its own ServiceAccount token, is exactly the table in deploy/README.md; and
 * every permission deploy/ grants is one an activity uses — the activity's own fabric8 call succeeds with the worker's
 * token, and its neighbour (another Deployment, another namespace, another verb) is refused by the real authorizer.
 */
@ExtendWith(ControlPlaneExtension.class)
class DeployOnRealApiTest {
  static final String NS = ControlPlane.TARGET_NAMESPACE;
  static final String APP = "auth-service";
  static final String WORKER_USER =
      "system:serviceaccount:" + ControlPlane.WORKER_NAMESPACE + ":" + ControlPlane.WORKER;
  static final Duration DEADLINE = Duration.ofMinutes(2);

  static ControlPlane cp;
  static KubernetesClient admin;
  static KubernetesClient worker;
  @TempDir static Path tmp;

  /**
   * One permission: a resource (with its resource names) or a non-resource URL, and one verb. A row of {@code kubectl
   * auth can-i --list} or of deploy/README.md's table is one or more of these.
   */
  record Permission(String resource, String url, Set<String> resourceNames, String verb) {
    /** Every (resource or URL, verb) a row stands for; cells hold space- or comma-separated entries. */
    static List<Permission> expand(String resources, String urls, String names, String verbs) {
      List<Permission> out = new ArrayList<>();
      Set<String> nameSet = words(names);
      List<String> rs = words(resources).isEmpty() ? List.of("") : List.copyOf(words(resources));
      List<String> us = words(urls).isEmpty() ? List.of("") : List.copyOf(words(urls));
      for (String r : rs) {
        for (String u : us) {
          for (String v : words(verbs)) {
            out.add(new Permission(r, u, nameSet, v));
          }
        }
      }
      return out;
    }

    private static Set<String> words(String s) {
      return Arrays.stream(s.trim().split("[\\s,]+")).filter(w -> !w.isEmpty())
          .collect(Collectors.toCollection(TreeSet::new));
    }

    @Override
    public String toString() {
      return (resource.isEmpty() ? url : resource) + (resourceNames.isEmpty() ? "" : " " + resourceNames) + " " + verb;
    }
  }

  /**
   * A permission deploy/'s Role grants, the activity methods that use it and the very call they make (the same
   * fabric8 call shape as in activities/src/main/java/dev/remediator/kubernetes/), run with the worker's client.
   */
  record Use(String resource, String verb, String resourceName, List<String> usedBy, Consumer<KubernetesClient> call) {}

  /** A call next to a granted one that the worker must NOT be able to make. */
  record Neighbour(String what, Consumer<KubernetesClient> call) {}

  static final List<Use> USES = List.of(
      new Use("deployments.apps", "get", APP,
          List.of("KubernetesActivitiesImpl.rollingRestart", "KubernetesActivitiesImpl.awaitRollout",
              "PoolSizeActivitiesImpl.poolSettings", "KubernetesActivitiesImpl.recentChanges",
              "WorkloadActivitiesImpl.inspect", "WorkloadActivitiesImpl.crashLogs", "WorkloadActivitiesImpl.rollback"),
          c -> assertThat(c.apps().deployments().inNamespace(NS).withName(APP).get()).isNotNull()),
      new Use("deployments.apps", "patch", APP,
          List.of("KubernetesActivitiesImpl.rollingRestart", "PoolSizeActivitiesImpl.setPoolSettings",
              "PoolSizeActivitiesImpl.restorePoolSettings", "WorkloadActivitiesImpl.rollback"),
          c -> c.apps().deployments().inNamespace(NS).withName(APP).patch(PatchContext.of(PatchType.JSON),
              "[{\"op\":\"add\",\"path\":\"/metadata/annotations/remediator.dev~1rbac-check\",\"value\":\"patched\"}]")),
      new Use("replicasets.apps", "list", "",
          List.of("KubernetesActivitiesImpl.recentChanges", "WorkloadActivitiesImpl.inspect",
              "WorkloadActivitiesImpl.crashLogs", "WorkloadActivitiesImpl.rollback"),
          c -> assertThat(c.apps().replicaSets().inNamespace(NS)
              .list(new ListOptionsBuilder().withLabelSelector("app=" + APP).build()).getItems()).isNotEmpty()),
      new Use("replicasets.apps", "get", "",
          List.of("WorkloadActivitiesImpl.resolvePod"),
          c -> assertThat(c.apps().replicaSets().inNamespace(NS).withName(replicaSetName()).get()).isNotNull()),
      new Use("pods", "list", "",
          List.of("KubernetesActivitiesImpl.errorLogs", "WorkloadActivitiesImpl.inspect",
              "WorkloadActivitiesImpl.crashLogs"),
          c -> assertThat(c.pods().inNamespace(NS)
              .list(new ListOptionsBuilder().withLabelSelector("app=" + APP).build()).getItems()).isNotEmpty()),
      new Use("pods", "get", "",
          List.of("WorkloadActivitiesImpl.resolvePod"),
          c -> assertThat(c.pods().inNamespace(NS).withName(podName()).get()).isNotNull()),
      new Use("pods/log", "get", "",
          List.of("KubernetesActivitiesImpl.errorLogs", "WorkloadActivitiesImpl.crashLogs"),
          DeployOnRealApiTest::readLog),
      new Use("events", "list", "",
          List.of("WorkloadActivitiesImpl.inspect"),
          c -> assertThat(c.v1().events().inNamespace(NS).list().getItems()).isNotEmpty()));

  static final List<Neighbour> NEIGHBOURS = List.of(
      new Neighbour("get a Deployment the Role does not name (billing)",
          c -> c.apps().deployments().inNamespace(NS).withName("billing").get()),
      new Neighbour("patch a Deployment the Role does not name (billing)",
          c -> c.apps().deployments().inNamespace(NS).withName("billing").patch(PatchContext.of(PatchType.JSON),
              "[{\"op\":\"add\",\"path\":\"/spec/paused\",\"value\":true}]")),
      new Neighbour("list Deployments (resourceNames cannot restrict a list)",
          c -> c.apps().deployments().inNamespace(NS).list()),
      new Neighbour("update (PUT) auth-service instead of patch",
          c -> c.resource(admin.apps().deployments().inNamespace(NS).withName(APP).get()).update()),
      new Neighbour("delete auth-service",
          c -> c.apps().deployments().inNamespace(NS).withName(APP).delete()),
      new Neighbour("get auth-service in another namespace (remediator)",
          c -> c.apps().deployments().inNamespace(ControlPlane.WORKER_NAMESPACE).withName(APP).get()),
      new Neighbour("list pods in another namespace (remediator)",
          c -> c.pods().inNamespace(ControlPlane.WORKER_NAMESPACE).list()),
      new Neighbour("list events in another namespace (default)",
          c -> c.v1().events().inNamespace("default").list()),
      new Neighbour("list pods cluster-wide",
          c -> c.pods().inAnyNamespace().list()),
      new Neighbour("delete a pod",
          c -> c.pods().inNamespace(NS).withName(podName()).delete()),
      new Neighbour("patch a ReplicaSet",
          c -> c.apps().replicaSets().inNamespace(NS).withName(replicaSetName()).patch(PatchContext.of(PatchType.JSON),
              "[{\"op\":\"add\",\"path\":\"/spec/replicas\",\"value\":0}]")),
      new Neighbour("list Secrets in the target namespace",
          c -> c.secrets().inNamespace(NS).list()),
      new Neighbour("create an Event",
          c -> c.v1().events().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.EventBuilder()
              .withNewMetadata().withName("rbac-check").endMetadata()
              .withNewInvolvedObject().withKind("Pod").withName("x").withNamespace(NS).endInvolvedObject()
              .build()).create()));

  @BeforeAll
  static void controlPlane(ControlPlane controlPlane) {
    cp = controlPlane;
    admin = cp.admin();
    worker = cp.worker();
  }

  @AfterAll
  static void removeApp() {
    if (admin != null) {
      remove(APP);
    }
  }

  // ---- 1. every overlay is accepted by the API server -------------------------------------------------------------

  @Test
  void everyOverlayIsAcceptedServerSide() throws IOException {
    Path kustomize = ControlPlane.repoRoot().resolve("deploy/kubernetes");
    List<Path> dirs = new ArrayList<>(List.of(kustomize.resolve("base")));
    try (Stream<Path> overlays = Files.list(kustomize.resolve("overlays"))) {
      overlays.filter(Files::isDirectory).sorted().forEach(dirs::add);
    }
    assertThat(dirs).extracting(d -> d.getFileName().toString()).contains("base", "dev", "prod");
    for (Path dir : dirs) {
      String name = kustomize.relativize(dir).toString();
      Result rendered = kubectl(null, "kustomize", dir.toString());
      assertThat(rendered.exit()).as("kubectl kustomize %s: %s", name, rendered.err()).isZero();
      Path file = tmp.resolve(name.replace('/', '-') + ".yaml");
      Files.writeString(file, rendered.out());
      // The target namespace (dev, prod) is the operator's: the application runs there, the overlay only puts the
      // Role in it. A server dry run does not create namespaces, so each one the objects live in must exist.
      for (String ns : namespacesUsed(rendered.out())) {
        if (admin.namespaces().withName(ns).get() == null) {
          admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
              .create();
        }
      }
      Result applied = kubectl(null, "apply", "--server-side", "--dry-run=server", "--field-manager=remediator-deploy",
          "-f", file.toString());
      System.out.printf("%n[deploy/%s] kubectl apply --server-side --dry-run=server%n%s%s", name, applied.out(),
          applied.err());
      assertThat(applied.exit()).as("deploy/%s refused by the API server: %s", name, applied.err()).isZero();
      assertThat(applied.err()).as("deploy/%s: warnings from the API server (PodSecurity, deprecations)", name)
          .doesNotContainIgnoringCase("warning");
      long objects = rendered.out().lines().filter(l -> l.startsWith("kind: ")).count();
      assertThat(applied.out().lines().filter(l -> l.contains("serverside-applied (server dry run)")).count())
          .as("every object of deploy/%s applied", name).isEqualTo(objects);
    }
  }

  /** Every {@code namespace:} an object of the rendered YAML lives in (metadata, 2-space indent). */
  static Set<String> namespacesUsed(String yaml) {
    Set<String> out = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^  namespace: (\\S+)$").matcher(yaml);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  // ---- 2. can-i --list is what deploy/README.md documents -----------------------------------------------------------

  @Test
  void theWorkersCanIListIsTheTableInDeployReadme() throws IOException {
    Path kubeconfig = workerKubeconfig();
    Result canI = kubectl(kubeconfig, "auth", "can-i", "--list", "-n", NS);
    assertThat(canI.exit()).as(canI.err()).isZero();
    System.out.printf("%n[can-i] kubectl auth can-i --list -n %s (token of %s):%n%s%n", NS, WORKER_USER, canI.out());
    Set<Permission> actual = parseCanI(canI.out());
    List<Documented> documented = readmeTable();
    assertThat(actual).as("kubectl auth can-i --list -n prod vs deploy/README.md")
        .containsExactlyInAnyOrderElementsOf(permissions(documented));

    // Outside the target namespace: only what Kubernetes gives every authenticated user.
    Result elsewhere = kubectl(kubeconfig, "auth", "can-i", "--list", "-n", ControlPlane.WORKER_NAMESPACE);
    assertThat(elsewhere.exit()).as(elsewhere.err()).isZero();
    assertThat(parseCanI(elsewhere.out())).as("can-i --list -n remediator: nothing from deploy/")
        .containsExactlyInAnyOrderElementsOf(permissions(documented.stream().filter(Documented::byKubernetes)
            .toList()));
  }

  static final Pattern CAN_I_ROW = Pattern.compile("^(\\S*)\\s*\\[([^\\]]*)\\]\\s+\\[([^\\]]*)\\]\\s+\\[([^\\]]*)\\]\\s*$");

  static Set<Permission> parseCanI(String out) {
    List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines.get(0)).startsWith("Resources").contains("Non-Resource URLs", "Resource Names", "Verbs");
    Set<Permission> rows = new java.util.HashSet<>(); // kubectl prints a URL once per ClusterRole granting it
    for (String line : lines.subList(1, lines.size())) {
      Matcher m = CAN_I_ROW.matcher(line);
      assertThat(m.matches()).as("can-i row: %s", line).isTrue();
      rows.addAll(Permission.expand(m.group(1), m.group(2), m.group(3), m.group(4)));
    }
    return rows;
  }

  /** A row of deploy/README.md's permission table. */
  record Documented(List<Permission> permissions, String grantedBy, String usedBy) {
    boolean byKubernetes() {
      return grantedBy.startsWith("Kubernetes");
    }
  }

  static final String TABLE_HEADER = "| Resource | Non-resource URLs | Resource names | Verbs | Granted by | Used by |";

  static List<Documented> readmeTable() throws IOException {
    List<String> readme = Files.readAllLines(ControlPlane.repoRoot().resolve("deploy/README.md"));
    int start = readme.stream().map(String::trim).toList().indexOf(TABLE_HEADER);
    assertThat(start).as("deploy/README.md has the worker's permission table: %s", TABLE_HEADER).isNotNegative();
    List<String> lines = readme.subList(start + 2, readme.size()).stream().map(String::trim)
        .takeWhile(l -> l.startsWith("|")).toList();
    List<Documented> rows = new ArrayList<>();
    for (String line : lines) {
      String[] c = Arrays.stream(line.substring(1, line.length() - 1).split("\\|", -1))
          .map(s -> s.trim().replace("`", "")).toArray(String[]::new);
      assertThat(c).as("table row %s", line).hasSize(6);
      rows.add(new Documented(Permission.expand(c[0], c[1], c[2], c[3]), c[4], c[5]));
    }
    assertThat(rows).isNotEmpty();
    return rows;
  }

  static Set<Permission> permissions(List<Documented> rows) {
    Set<Permission> out = new java.util.HashSet<>();
    rows.forEach(r -> r.permissions().forEach(p -> assertThat(out.add(p)).as("listed twice: %s", p).isTrue()));
    return out;
  }

  // ---- 3. every permission deploy/ grants is used, and only that --------------------------------------------------

  @Test
  void everyGrantedPermissionIsAnActivitysCallAndItsNeighboursAreForbidden() throws IOException {
    // What deploy/ grants (the README rows not marked as Kubernetes' own), one (resource, verb, name) each ...
    Set<String> granted = new TreeSet<>();
    for (Documented d : readmeTable()) {
      if (d.byKubernetes()) {
        continue;
      }
      for (Permission p : d.permissions()) {
        assertThat(granted.add(key(p.resource(), p.verb(), String.join(",", p.resourceNames())))).isTrue();
        // ... and the README's "Used by" names the same activity methods as the static list below.
        Set<String> documentedUsers = Arrays.stream(d.usedBy().split("[,;\\s]+")).filter(s -> s.contains("."))
            .collect(Collectors.toCollection(TreeSet::new));
        Set<String> listed = USES.stream().filter(u -> u.resource().equals(p.resource()) && u.verb().equals(p.verb()))
            .flatMap(u -> u.usedBy().stream()).collect(Collectors.toCollection(TreeSet::new));
        assertThat(documentedUsers).as("deploy/README.md 'Used by' of %s", p).isEqualTo(listed);
      }
    }
    assertThat(USES.stream().map(u -> key(u.resource(), u.verb(), u.resourceName())).toList())
        .as("granted permissions (deploy/README.md) vs the activity calls: none unused, none missing")
        .containsExactlyInAnyOrderElementsOf(granted);
    for (Use u : USES) {
      for (String user : u.usedBy()) {
        assertThat(activityMethod(user)).as("%s (the user of %s %s) exists", user, u.verb(), u.resource()).isTrue();
      }
    }

    deployApp();
    for (Use u : USES) {
      u.call().accept(worker); // throws (403 among others) when the worker may not
      System.out.printf("[allowed]   %-6s %-18s %-14s used by %s%n", u.verb(), u.resource(),
          u.resourceName().isEmpty() ? "" : u.resourceName(), String.join(", ", u.usedBy()));
    }
    assertThat(admin.apps().deployments().inNamespace(NS).withName(APP).get().getMetadata().getAnnotations())
        .containsEntry("remediator.dev/rbac-check", "patched");

    for (Neighbour n : NEIGHBOURS) {
      KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
          () -> n.call().accept(worker));
      assertThat(e).as("the worker could %s", n.what()).isNotNull();
      assertThat(e.getCode()).as("%s: %s", n.what(), e.getMessage()).isEqualTo(403);
      System.out.printf("[forbidden] %s%n", n.what());
    }
    assertThat(admin.apps().deployments().inNamespace(NS).withName(APP).get()).as("auth-service still there")
        .isNotNull();
  }

  static String key(String resource, String verb, String name) {
    return resource + " " + verb + (name.isEmpty() ? "" : " [" + name + "]");
  }

  static boolean activityMethod(String qualified) {
    String[] parts = qualified.split("\\.");
    Class<?> type = switch (parts[0]) {
      case "KubernetesActivitiesImpl" -> KubernetesActivitiesImpl.class;
      case "PoolSizeActivitiesImpl" -> PoolSizeActivitiesImpl.class;
      case "WorkloadActivitiesImpl" -> WorkloadActivitiesImpl.class;
      default -> throw new IllegalArgumentException("not an activity class: " + qualified);
    };
    return Arrays.stream(type.getMethods()).map(Method::getName).anyMatch(parts[1]::equals);
  }

  /** The log call of errorLogs/crashLogs. KWOK has no kubelet: past the authorizer, the API server answers 500. */
  static void readLog(KubernetesClient c) {
    try {
      c.pods().inNamespace(NS).withName(podName()).inContainer(APP).withReadyWaitTimeout(0).limitBytes(1024)
          .tailingLines(10).getLog();
    } catch (KubernetesClientException e) {
      assertThat(e.getCode()).as("pods/log: %s", e.getMessage()).isNotIn(401, 403);
      assertThat(e.getMessage()).contains("no preferred addresses");
    }
  }

  // ---- fixtures ---------------------------------------------------------------------------------------------------

  /** auth-service with one Ready pod (KWOK), created by the admin, so each call has an object to act on. */
  static void deployApp() {
    remove(APP);
    admin.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
        .withNewMetadata().withName(APP).addToLabels("app", APP).addToAnnotations("remediator.dev/owner", "test")
        .endMetadata()
        .withNewSpec().withReplicas(1)
        .withNewSelector().addToMatchLabels("app", APP).endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", APP).endMetadata()
        .withNewSpec().addNewContainer().withName(APP).withImage("registry.example/auth-service:2.4.1").endContainer()
        .endSpec().endTemplate().endSpec().build()).create();
    await().atMost(DEADLINE).until(() -> !pods().isEmpty() && !admin.v1().events().inNamespace(NS).list()
        .getItems().isEmpty());
  }

  static void remove(String name) {
    if (admin.apps().deployments().inNamespace(NS).withName(name).get() == null) {
      return;
    }
    admin.apps().deployments().inNamespace(NS).withName(name)
        .withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
    await().atMost(DEADLINE).until(() -> admin.apps().deployments().inNamespace(NS).withName(name).get() == null
        && admin.pods().inNamespace(NS).withLabel("app", name).list().getItems().isEmpty());
  }

  static List<Pod> pods() {
    return admin.pods().inNamespace(NS).withLabel("app", APP).list().getItems();
  }

  static String podName() {
    return pods().get(0).getMetadata().getName();
  }

  static String replicaSetName() {
    List<ReplicaSet> sets = admin.apps().replicaSets().inNamespace(NS).withLabel("app", APP).list().getItems();
    return sets.get(0).getMetadata().getName();
  }

  /** The admin kubeconfig with the worker's own ServiceAccount token (a fresh TokenRequest) instead. */
  static Path workerKubeconfig() throws IOException {
    String token = admin.serviceAccounts().inNamespace(ControlPlane.WORKER_NAMESPACE).withName(ControlPlane.WORKER)
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
        .getStatus().getToken();
    String config = Files.readString(cp.adminKubeconfig());
    String replaced = config.replaceFirst("user: \\{token: \"[^\"]*\"}", "user: {token: \"" + token + "\"}");
    assertThat(replaced).isNotEqualTo(config);
    Path file = tmp.resolve("worker.kubeconfig");
    Files.writeString(file, replaced);
    return file;
  }

  record Result(int exit, String out, String err) {}

  /** kubectl from the control plane's cache; the admin's kubeconfig unless another is given. */
  static Result kubectl(Path kubeconfig, String... args) {
    List<String> command = new ArrayList<>(List.of(cp.kubectl().toString(),
        "--kubeconfig=" + (kubeconfig == null ? cp.adminKubeconfig() : kubeconfig)));
    command.addAll(List.of(args));
    try {
      Path out = Files.createTempFile(tmp, "kubectl", ".out");
      Path err = Files.createTempFile(tmp, "kubectl", ".err");
      Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("timed out: " + command);
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
