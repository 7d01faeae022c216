package dev.remediator.demo;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.remediator.incident.ActionType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * {@code ./remediator demo db-performance} in-process: a real lock queue on embedded PostgreSQL, a real
 * PostgresLockWaits webhook, the runbook's cancel of the blocker approved by signal, PostgreSQL's own word after it.
 */
class DbPerfDemoTest {

  @Test
  void theBlockerIsCancelledAndTheQueueDrains() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    // The shell's waits cancel their timers; a cancelled timer's failure, unhandled, made the SDK warn ("Promise
    // completed with exception and was never accessed") about 20 times per run.
    Logger runner = (Logger) LoggerFactory.getLogger("io.temporal.internal.sync.DeterministicRunnerImpl");
    ListAppender<ILoggingEvent> warnings = new ListAppender<>();
    warnings.start();
    runner.addAppender(warnings);

    DbPerfDemo.Result result;
    try {
      result = new DbPerfDemo(new PrintStream(buffer, true, StandardCharsets.UTF_8)).run();
    } finally {
      runner.detachAppender(warnings);
    }

    String output = buffer.toString(StandardCharsets.UTF_8);
    assertThat(result.blockerCancelled()).as(output).isTrue();
    assertThat(result.blockerEnded()).as("the batch job's statement was cancelled, not terminated").isEqualTo("57014");
    assertThat(result.waitersCompleted()).isEqualTo(DbPerfDemo.WAITERS);
    assertThat(result.report().actions()).extracting(a -> a.type()).containsExactly(ActionType.CANCEL_BLOCKERS);
    assertThat(result.otherDatabaseReported()).as("billingdb's lock wait listed at close, left waiting").isTrue();
    assertThat(result.report().similarElsewhere().line())
        .startsWith("1 other service shows the same pattern: " + DbPerfDemo.OTHER_SERVICE + " (");
    assertThat(output)
        .contains("./remediator approve " + DbPerfDemo.INCIDENT_ID)
        .contains("Blocker cancelled; the queue drained;");
    assertThat(warnings.list).extracting(ILoggingEvent::getFormattedMessage)
        .noneMatch(m -> m.contains("never accessed"));
  }
}
