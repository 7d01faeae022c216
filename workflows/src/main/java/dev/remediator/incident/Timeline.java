package dev.remediator.incident;

import io.temporal.workflow.Workflow;

/** The incident's record, one line per change of state (workflow time, actor, what). Workflow code only. */
final class Timeline {
  static final String REMEDIATOR = "remediator";
  static final String ALERTMANAGER = "alertmanager";

  private final IncidentState state;

  Timeline(IncidentState state) {
    this.state = state;
  }

  void record(String actor, String event) {
    state.timeline.add(new TimelineEntry(now(), actor, event));
  }

  void note(String event) {
    record(REMEDIATOR, event);
  }

  static String now() {
    return Reports.time(Workflow.currentTimeMillis());
  }
}
