package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the post-incident check for similar issues found ({@link RunbookSteps#similarElsewhere}): the runbook's same
 * read-only check, run once at close against the other configured targets it applies to, each listed with what it
 * showed. It never acts on them. Bounded by the runbook's budget: a target that did not answer in time, refused the
 * connection or withheld the privileges is {@link Finding#UNCHECKED}, with the reason.
 *
 * @param pattern what was looked for, e.g. "sessions idle in transaction > 10 min, or utilization ≥ 70.0%"
 * @param targets each other target and its finding, in configuration order
 * @param tookMillis how long the scan took (worker clock)
 * @param failure why the scan as a whole could not run (null when it ran)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SimilarIssues(String pattern, List<Elsewhere> targets, long tookMillis, String failure) {

  public SimilarIssues {
    targets = targets == null ? List.of() : List.copyOf(targets);
  }

  /** The scan could not run at all (its activity failed): nothing is known of the other targets. */
  public static SimilarIssues notRun(String pattern, String why) {
    return new SimilarIssues(pattern, List.of(), 0, why);
  }

  /** What one other target showed. */
  public enum Finding {
    /** It shows the incident's pattern. */
    SAME_PATTERN,
    /** Checked: it does not. */
    CLEAN,
    /** Not checked: no answer within its share of the budget, refused, or no privileges (the detail says). */
    UNCHECKED
  }

  /**
   * @param target the other target
   * @param finding what it showed
   * @param detail what matched ("14 sessions idle in transaction > 10 min"), the reading of a clean one, or why it
   *     was not checked
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Elsewhere(Target target, Finding finding, String detail) {
    public String describe() {
      return target.service() + " (" + detail + ")";
    }
  }

  public List<Elsewhere> with(Finding finding) {
    return targets.stream().filter(t -> t.finding() == finding).toList();
  }

  /**
   * One line for people (the closing notification, the timeline): "2 other services show the same pattern:
   * billing-service (14 sessions idle in transaction > 10 min), orders-service (…)", with the unchecked ones after.
   */
  public String line() {
    if (failure != null) {
      return "Other services not checked for the same pattern: " + failure;
    }
    if (targets.isEmpty()) {
      return "No other configured service to check for the same pattern";
    }
    List<Elsewhere> found = with(Finding.SAME_PATTERN);
    List<Elsewhere> unchecked = with(Finding.UNCHECKED);
    int clean = with(Finding.CLEAN).size();
    StringBuilder line = new StringBuilder();
    if (found.isEmpty()) {
      line.append("No other service shows the same pattern (").append(clean).append(" checked)");
    } else {
      line.append(found.size()).append(found.size() == 1 ? " other service shows" : " other services show")
          .append(" the same pattern: ").append(list(found));
    }
    if (!unchecked.isEmpty()) {
      line.append("; ").append(unchecked.size()).append(" not checked: ").append(list(unchecked));
    }
    return line.toString();
  }

  /** The report's section: what was looked for, then one row per target. */
  public String markdown() {
    StringBuilder md = new StringBuilder("## Similar issues in other services\n\n");
    if (pattern != null) {
      md.append("Looked for: ").append(pattern).append(" (read-only, ").append(tookMillis).append(" ms)\n\n");
    }
    if (failure != null || targets.isEmpty()) {
      return md.append(line()).append(".\n").toString();
    }
    md.append("| target | finding | detail |\n|---|---|---|\n");
    for (Elsewhere e : targets) {
      md.append("| ").append(e.target().id()).append(" | ").append(word(e.finding())).append(" | ")
          .append(e.detail() == null ? "" : e.detail().replace("|", "\\|")).append(" |\n");
    }
    return md.toString();
  }

  private static String word(Finding f) {
    return switch (f) {
      case SAME_PATTERN -> "**same pattern**";
      case CLEAN -> "clean";
      case UNCHECKED -> "unchecked";
    };
  }

  private static String list(List<Elsewhere> targets) {
    return targets.stream().map(Elsewhere::describe).collect(Collectors.joining(", "));
  }
}
