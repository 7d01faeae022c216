package dev.remediator.incident;

import io.temporal.workflow.Workflow;

/** The incident's record, one line per change of state (workflow time, actor, what). Workflow code only. */
public final class Timeline {
  public static final String REMEDIATOR = "remediator";
  static final String ALERTMANAGER = "alertmanager";

  private final IncidentState state;

  Timeline(IncidentState state) {
    this.state = state;
  }

  public void record(String actor, String event) {
    state.timeline.add(new TimelineEntry(now(), actor, event));
  }

  public void note(String event) {
    record(REMEDIATOR, event);
  }

  public static String now() {
    return Reports.time(Workflow.currentTimeMillis());
  }
}
