package dev.remediator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Timestamps;
import dev.remediator.launcher.TemporalDevServer;
import io.temporal.api.common.v1.ActivityType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.ActivityTaskFailedEventAttributes;
import io.temporal.api.history.v1.ActivityTaskScheduledEventAttributes;
import io.temporal.api.history.v1.HistoryEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The benchmark suite with tiny sizes, so that it cannot rot: every row is produced, with its baseline, machine, JDK
 * and commit. No figure is asserted (speed is measured by {@code ./remediator bench}, not by tests); what is asserted
 * is behaviour the sizes do not change: every target got its incident, nothing was lost, the huge delivery was one
 * signal, every incident on the dev server reached its plan, every CLI verb exited 0, the snapshot was timed beside
 * psql (or JDBC where psql is missing).
 */
class BenchSmokeTest {
  @Test
  void everyRowIsMeasuredBesideItsBaseline() throws Exception {
    List<String> progress = new ArrayList<>();
    String report = new Bench(Bench.Sizes.SMOKE, progress::add).run();

    assertThat(report)
        .contains("- Machine: ", "- JDK: ", "- Commit: ")
        .contains("| Storm: 40 Alertmanager deliveries over 10 targets")
        .contains("10 incidents (of 10), 0 lost, 0 non-2xx")
        .contains("bare JDK HTTP server: ")
        .contains("| One delivery with 100 alerts for one target")
        .contains("1 Temporal call(s) with alerts (a new incident: the start carries them), HTTP 200")
        .contains("| 20 connections trickling a body")
        .contains("with 20 slow bodies pending")
        .contains("incidents open (database unreachable)")
        .contains("Storm profile")
        .contains("Storm, first round (both HA copies of every target's first alert: 10 new incidents)")
        .contains("Storm, repeats (20 deliveries of alerts already accepted: no Temporal call)")
        .contains("| Diagnosis snapshot at 60 connections")
        .contains("the seed runbook's 7 read queries")
        .containsPattern(DevServerBench.onPath("psql").isPresent() ? "psql `\\\\timing`" : "JDBC \\(no psql");
    if (TemporalDevServer.findCli(System.getenv()).isPresent()) {
      assertThat(report)
          .contains("| Storm on temporal server start-dev: 32 Alertmanager deliveries over 8 targets whose database"
              + " and endpoints do not answer (2 repeats x 2 HA peers")
          .contains("8 incidents (of 8; 8 runs)")
          .containsPattern("first delivery -> the incident's first workflow task started[^|]*\\| p50/p99/max "
              + "[0-9.]+/[0-9.]+/[0-9.]+ s \\(8 of 8 reached\\)")
          .contains("| Storm on temporal server start-dev: first delivery -> diagnosis recorded")
          .contains("one incident alone before the storm: p50/p99/max ")
          .contains("what the worker's own Temporal metrics counted")
          // Which of the worker's series grew depends on when its metrics scope last reported (every few
          // seconds): a small, quick storm shows some, not always the same ones.
          .containsPattern("- `temporal_[a-z_]+\\{(normal|sticky)\\}` ")
          .contains("what the Temporal server counted during the first round")
          .containsPattern("\\| Storm on temporal server start-dev, afterwards: 8 incidents open whose database and"
              + " endpoints still do not answer[^|]*\\| window 1 \\(outage [0-9]+ s -> [0-9]+ s old[^|]*"
              + "= \\*\\*[0-9.]+ %\\*\\*[^|]*window 2 [^|]*\\| nothing open, the same two processes before the storm")
          .contains("afterwards (goal 3), window 2: what the Temporal server counted")
          .contains("| Alert -> plan recorded, 3 incidents arriving one every 100 ms, real leak")
          .contains("3 of 3 planned").contains("2 incidents one at a time, nothing else running: p50/p99 ")
          .contains("| Workflow overhead: incident alert -> plan, one at a time (p50 of 2)")
          .contains("minimal workflow, ").contains("no-op activities in sequence")
          .contains("| Worker ALONE (its own JVM, `remediator worker`) with 8 incidents awaiting approval")
          .contains("the same worker before any incident: heap ")
          .contains("what the waiting incidents did while \"nothing changed\": 8 of the incidents")
          .contains("what the Temporal server counted (").contains("In the 2 s measured, ")
          .containsPattern("- [0-9]+ `[a-z_]+")
          .contains("| `show ID` wall time").contains("| `reject ID --by NAME` wall time")
          .contains("| `show ID` over Temporal's HTTP API").contains("| `approve`/`reject ID --by NAME` over Temporal's")
          .contains("| `incidents` at 1 open incident").contains("| `incidents` at 8 open incidents")
          .contains("`java -version` ").contains("`remediator --help` ")
          .contains("| `incidents` at 8 open incidents: the newest 25 and the totals")
          .contains("`incidents --all` (every row): ")
          .contains("in a warm JVM, best of 3: the whole listing ").contains("ms for 8 incidents, the visibility call alone ")
          .doesNotContain("(exit 1", "(exit 2", "(exit 3", "(exit 4", "/1)", "/4)");
    } else {
      assertThat(report).contains("skipped: no `temporal` CLI");
    }
    assertThat(progress).isNotEmpty();
  }

  @Test
  void diagnosisIsTheTaskAfterTheFirstSnapshotClosed() {
    List<HistoryEvent> events = List.of(
        event(1, 1000, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
        event(2, 1000, EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
        event(3, 4000, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED),
        event(4, 4100, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
        scheduled(5, 4100, "Probe"),
        event(6, 6000, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
        scheduled(7, 6000, "Snapshot"),
        HistoryEvent.newBuilder().setEventId(8).setEventTime(Timestamps.fromMillis(12000))
            .setEventType(EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED)
            .setActivityTaskFailedEventAttributes(ActivityTaskFailedEventAttributes.newBuilder().setScheduledEventId(7))
            .build(),
        event(9, 12000, EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
        event(10, 15000, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED),
        event(11, 15200, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
        scheduled(12, 15200, "Snapshot"),
        event(13, 20000, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED));
    assertThat(DevServerStorm.marks(events)).isEqualTo(new DevServerStorm.Marks(4000, 15200));
    assertThat(DevServerStorm.marks(events.subList(0, 9))).isEqualTo(new DevServerStorm.Marks(4000, 0));
  }

  private static HistoryEvent event(long id, long millis, EventType type) {
    return HistoryEvent.newBuilder().setEventId(id).setEventTime(Timestamps.fromMillis(millis)).setEventType(type)
        .build();
  }

  private static HistoryEvent scheduled(long id, long millis, String activity) {
    return HistoryEvent.newBuilder().setEventId(id).setEventTime(Timestamps.fromMillis(millis))
        .setEventType(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        .setActivityTaskScheduledEventAttributes(ActivityTaskScheduledEventAttributes.newBuilder()
            .setActivityType(ActivityType.newBuilder().setName(activity)))
        .build();
  }

  @Test
  void classLoadLogIsSummarizedByLibrary() {
    String summary = Cli.summarizeClassLoading(List.of(
        "[0.050s] java.lang.Object source: shared objects file",
        "[0.120s] dev.remediator.launcher.Remediator source: shared objects file (top)",
        "[0.200s] picocli.CommandLine source: file:/x/remediator.jar",
        "[0.400s] io.grpc.netty.shaded.io.netty.Foo source: shared objects file (top)",
        "[0.700s] io.temporal.api.workflowservice.v1.Bar source: shared objects file (top)"), 812, true);
    assertThat(summary)
        .contains("wall time of this run 812 ms", "`main` reached at 120 ms", "last class loaded at 700 ms")
        .contains("5 classes loaded, 4 of them from the AppCDS archive")
        .contains("- picocli: 1 classes, loading from 200 to 200 ms")
        .contains("- io.temporal.api (protobuf messages): 1 classes, loading from 700 to 700 ms");
  }

  @Test
  void explainAnalyzeIsSummarized() {
    String summary = DevServerBench.explainSummary(List.of(
        "Result  (cost=10.0..11.0 rows=1 width=8) (actual time=12.500..12.600 rows=1 loops=1)",
        "  CTE s",
        "    ->  Function Scan on pg_stat_get_activity a  (cost=0.0..1.0 rows=100 width=8)"
            + " (actual time=3.100..4.250 rows=500 loops=1)",
        "  ->  Sort  (cost=1.0..2.0 rows=1 width=8) (actual time=0.010..0.020 rows=5 loops=2)",
        "Planning Time: 2.345 ms",
        "Execution Time: 12.700 ms"));
    assertThat(summary).isEqualTo("""
        - Planning Time: 2.345 ms
        - Execution Time: 12.700 ms
        - 12.60 ms  Result (1 rows x 1 loops)
        - 4.25 ms  Function Scan on pg_stat_get_activity a (500 rows x 1 loops)
        - 0.04 ms  Sort (5 rows x 2 loops)
        """);
  }

  @Test
  void nativeMemoryAndHeapFiguresAreRead() {
    String nmt = """
        Native Memory Tracking:

        Total: reserved=1600000KB, committed=300000KB
        -                 Java Heap (reserved=1048576KB, committed=131072KB)
                                    (mmap: reserved=1048576KB, committed=131072KB)
        -                     Class (reserved=1048576KB, committed=20480KB)
        -                    Thread (reserved=70000KB, committed=70000KB)
        """;
    assertThat(DevServerBench.nativeMemory(nmt))
        .isEqualTo("- total committed 292 MB\n- Java Heap: 128 MB\n- Thread: 68 MB\n- Class: 20 MB\n");
    assertThat(DevServerBench.heapUsed(" garbage-first heap   total 262144K, used 61440K [0x0...)")).isEqualTo(
        61440L * 1024);
  }
}
