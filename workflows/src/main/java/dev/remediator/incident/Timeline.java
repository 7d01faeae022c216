package dev.remediator.incident;

import dev.remediator.incident.TimelineEntry.Kind;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The incident's record, one line per change of state (workflow time, actor, what, and its {@link Kind}, chosen by
 * the caller: the report's diagram reads the kind, not the words). Workflow code only.
 */
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

  public void record(String actor, Kind kind, String event) {
    TimelineEntry entry = new TimelineEntry(now(), actor, event, kind);
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
      held.forEach(e -> state.timeline.add(new TimelineEntry(now, e.actor(), e.event(), e.kind())));
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

  /** A line of the remediator's own. */
  public void note(Kind kind, String event) {
    record(REMEDIATOR, kind, event);
  }

  /**
   * A refused request, one timeline line per distinct refusal (actor, what, why): a repeat counts on the line it made
   * ("Refused approve ×3: ..."), and past {@link #MAX_REFUSAL_LINES} distinct ones, further refusals count on one
   * line, so a refusal storm cannot grow the incident's record (or its continue-as-new input) without bound. Actor
   * and reason are clipped to 200 characters. State only, no commands.
   *
   * @param kind the refused request's: {@link Kind#DECISION} for a plan's, {@link Kind#ESCALATION} for an
   *     acknowledgement's (the line past the limit is a {@link Kind#DECISION})
   * @param what e.g. {@code Refused approve}
   */
  public void refusal(String actor, Kind kind, String what, String why) {
    String who = clip(actor);
    String tail = ": " + clip(why == null ? "no reason given" : why);
    List<TimelineEntry> entries = state.timeline;
    int lines = 0;
    for (int i = 0; i < entries.size(); i++) {
      TimelineEntry e = entries.get(i);
      if (e.event().startsWith("Refused ") && !e.event().startsWith(MORE_REFUSALS)) {
        lines++;
      }
      int times = timesOf(e.event(), what, tail);
      if (times > 0 && e.actor().equals(who)) {
        entries.set(i, counted(e, what, tail, times + 1));
        return;
      }
    }
    if (lines < MAX_REFUSAL_LINES) {
      record(who, kind, what + tail);
      return;
    }
    String more = ": further refusals are not itemised (the workflow history has each)";
    for (int i = 0; i < entries.size(); i++) {
      TimelineEntry e = entries.get(i);
      int times = timesOf(e.event(), MORE_REFUSALS, more);
      if (times > 0 && e.actor().equals(REMEDIATOR)) {
        entries.set(i, counted(e, MORE_REFUSALS, more, times + 1));
        return;
      }
    }
    note(Kind.DECISION, MORE_REFUSALS + more);
  }

  static final int MAX_REFUSAL_LINES = 50;
  private static final String MORE_REFUSALS = "Refused decisions beyond " + MAX_REFUSAL_LINES;
  private static final int MAX_TEXT = 200;

  /** 1 for "{head}{tail}", n for "{head} ×n{tail}", else 0. */
  private static int timesOf(String event, String head, String tail) {
    if (event.equals(head + tail)) {
      return 1;
    }
    String prefix = head + " ×";
    if (!event.startsWith(prefix) || !event.endsWith(tail) || event.length() <= prefix.length() + tail.length()) {
      return 0;
    }
    String n = event.substring(prefix.length(), event.length() - tail.length());
    return n.chars().allMatch(Character::isDigit) && n.length() < 10 ? Integer.parseInt(n) : 0;
  }

  private static TimelineEntry counted(TimelineEntry e, String head, String tail, int times) {
    return new TimelineEntry(e.at(), e.actor(), head + " ×" + times + tail, e.kind());
  }

  private static String clip(String text) {
    return text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT - 1) + "…";
  }

  public static String now() {
    return Reports.time(Workflow.currentTimeMillis());
  }
}
