package dev.remediator.incident;

import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** The incident's record, one line per change of state (workflow time, actor, what). Workflow code only. */
public final class Timeline {
  public static final String REMEDIATOR = "remediator";
  static final String ALERTMANAGER = "alertmanager";

  private final IncidentState state;
  /** Alert changes that arrived while an action ran: recorded after its outcome (null: no action running). */
  private List<TimelineEntry> heldDuringAction;
  private boolean holding;

  Timeline(IncidentState state) {
    this.state = state;
  }

  public void record(String actor, String event) {
    TimelineEntry entry = new TimelineEntry(now(), actor, event);
    if (holding && heldDuringAction != null) {
      heldDuringAction.add(entry);
    } else {
      state.timeline.add(entry);
    }
  }

  /**
   * Runs an action; alert changes that arrive meanwhile ({@link #alertChange}) are recorded after its outcome,
   * stamped with the outcome's time (the timeline stays in time order). An action's effect precedes what it causes,
   * even when its result reaches the workflow late (a worker or Temporal restart during the action), after the
   * alerts it resolved. The status query shows them once the action is done.
   */
  <T> T action(Supplier<T> action) {
    heldDuringAction = new ArrayList<>();
    try {
      return action.get();
    } finally {
      List<TimelineEntry> held = heldDuringAction;
      heldDuringAction = null;
      String now = now();
      held.forEach(e -> state.timeline.add(new TimelineEntry(now, e.actor(), e.event())));
    }
  }

  /** Records what an alert changed; during an action, after the action's outcome. */
  <T> T alertChange(Supplier<T> change) {
    holding = true;
    try {
      return change.get();
    } finally {
      holding = false;
    }
  }

  public void note(String event) {
    record(REMEDIATOR, event);
  }

  public static String now() {
    return Reports.time(Workflow.currentTimeMillis());
  }
}
