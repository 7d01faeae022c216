package dev.remediator.incident;

import dev.remediator.registry.RunbookWorkflows;
import dev.remediator.registry.Runbooks;
import io.temporal.common.converter.GlobalDataConverter;
import java.util.List;

/**
 * Builds the data converter's Jackson (de)serializers for the incident's payloads once, outside any workflow
 * thread: on a loaded 2-core machine their first construction inside a replayed workflow task can take longer than
 * the SDK's 1 s deadlock detector allows.
 */
final class Warmup {
  private static boolean done;

  private Warmup() {}

  static synchronized void dataConverter() {
    if (done) {
      return;
    }
    var converter = GlobalDataConverter.get();
    IncidentState state = new IncidentState();
    state.alerts.add(new TrackedAlert("a", "f", true, Severity.CRITICAL, null, null, null, null, null, 1));
    IncidentInput input = new IncidentInput(new Target("n", "s", "d"), Runbooks.defaultPolicy(),
        new Alert("a", "critical", "firing", "f", null, null), "x", state);
    for (Object o : List.of(input, state)) {
      converter.fromPayload(converter.toPayload(o).orElseThrow(), o.getClass(), o.getClass());
    }
    try {
      // The first replay in a JVM also generates lambda forms and loads the SDK's classes in the workflow thread.
      RunbookWorkflows.replayResource("histories/escalated-acknowledged.json");
    } catch (Exception | AssertionError e) {
      // a warm-up only: the replay tests themselves report failures
    }
    done = true;
  }
}
