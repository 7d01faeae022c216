package dev.remediator.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.remediator.incident.ActivityStubs;
import dev.remediator.incident.Target;
import dev.remediator.runbook.dbpool.PoolSettings;
import dev.remediator.runbook.dbpool.PoolSizeActivities;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A target without {@code kubernetes:} is a normal configuration. The pool runbook reads the pool settings of every
 * incident's target, so on such a target the read must be an expected absence: one INFO line, no WARN, no stack
 * trace, one attempt. Runs the real activity on the SDK's worker (whose failure logging is what printed a WARN with
 * a stack trace per incident), with the logging levels of production ({@code io.temporal} at WARN).
 */
class KubernetesAbsenceLogTest {

  @WorkflowInterface
  public interface ReadPool {
    @WorkflowMethod
    String read(Target target);
  }

  /** What PoolRunbook.assessCurrentImpact does with the read, with the same activity options. */
  public static class ReadPoolImpl implements ReadPool {
    @Override
    public String read(Target target) {
      PoolSizeActivities k8s = Workflow.newActivityStub(PoolSizeActivities.class,
          ActivityStubs.options("Read deployment replicas and pool settings", Duration.ofSeconds(60), 3));
      try {
        PoolSettings pool = k8s.poolSettings(target);
        return pool.notConfigured() == null ? "replicas " + pool.replicas() : "absent: " + pool.notConfigured();
      } catch (ActivityFailure e) {
        return "failed: " + e.getCause().getMessage();
      }
    }
  }

  final TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance(
      TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
  final KubeFixture k8s = new KubeFixture();
  final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @AfterEach
  void close() {
    root.detachAppender(logs);
    env.close();
    k8s.close();
  }

  @Test
  void aTargetWithoutKubernetesIsOneInfoLineNoWarnNoStackTraceNoRetry() {
    Worker worker = env.newWorker("q");
    worker.registerWorkflowImplementationTypes(ReadPoolImpl.class);
    worker.registerActivitiesImplementations(k8s.poolSize());
    env.start();
    logs.start();
    root.addAppender(logs);

    String result = env.getWorkflowClient().newWorkflowStub(ReadPool.class,
            WorkflowOptions.newBuilder().setTaskQueue("q").setWorkflowId("read-billing").build())
        .read(KubeFixture.WITHOUT_KUBERNETES);

    // The SDK's test server lacks worker heartbeats; the worker says so once at start, whatever the activity does.
    List<ILoggingEvent> events = logs.list.stream()
        .filter(e -> !e.getFormattedMessage().startsWith("Server does not support worker heartbeats"))
        .toList();
    assertThat(events).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
        .as("WARN or ERROR lines").isEmpty();
    assertThat(events).filteredOn(e -> e.getThrowableProxy() != null).as("stack traces").isEmpty();
    assertThat(events).filteredOn(e -> e.getLevel() == Level.INFO)
        .extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly("target prod/billing/billingdb has no kubernetes.deployment configured: pool settings not"
            + " read; restart and pool changes are unavailable for its incidents");
    assertThat(result).isEqualTo("absent: target prod/billing/billingdb has no kubernetes.deployment configured");
    assertThat(k8s.requests()).as("calls to the cluster").isEmpty();
  }
}
