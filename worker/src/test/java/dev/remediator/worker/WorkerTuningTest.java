package dev.remediator.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.worker.WorkerOptions;
import io.temporal.worker.tuning.PollerBehaviorAutoscaling;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What the worker's budget turns into in the SDK's options (the storm row of BENCHMARKS.md sized them). */
class WorkerTuningTest {
  @Test
  void pollersScaleFromOnePerQueueUpToTheConfiguredMaximum() {
    WorkerOptions options = WorkerTuning.DEFAULT.workerOptions().validateAndBuildWithDefaults();
    assertThat(options.getWorkflowTaskPollersBehavior()).isEqualTo(new PollerBehaviorAutoscaling(1, 8, 1));
    assertThat(options.getActivityTaskPollersBehavior()).isEqualTo(new PollerBehaviorAutoscaling(1, 8, 1));
    assertThat(options.getMaxConcurrentWorkflowTaskExecutionSize()).isEqualTo(16);
    assertThat(options.getMaxConcurrentActivityExecutionSize()).isEqualTo(32);
    assertThat(options.getStickyQueueScheduleToStartTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(WorkerTuning.DEFAULT.factoryOptions().getWorkflowCacheSize()).isEqualTo(32);
  }

  @Test
  void cacheSizeZeroMeansNoStickyExecutionNotTheSdkDefaultOf600() {
    WorkerTuning none = new WorkerTuning(0, 40, 16, 32, 8, 8);
    assertThat(none.factoryOptions().getWorkflowCacheSize()).isEqualTo(1);
    assertThat(none.workerOptions().validateAndBuildWithDefaults().getStickyQueueScheduleToStartTimeout())
        .isEqualTo(Duration.ZERO);
  }
}
