package dev.remediator.runbook.dbpool;

import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The pool runbook's words for its own types in timelines and reports (once in the shell's {@code Reports}). */
final class PoolText {
  private PoolText() {}

  static String outcomes(TerminationResult r) {
    Map<SessionOutcome.Result, Long> byResult =
        r.outcomes().stream()
            .collect(Collectors.groupingBy(SessionOutcome::result, java.util.TreeMap::new, Collectors.counting()));
    String counts =
        byResult.entrySet().stream()
            .map(e -> e.getValue() + " " + e.getKey().name().toLowerCase(Locale.ROOT))
            .collect(Collectors.joining(", "));
    return r.attempt() > 1
        ? counts + " (attempt " + r.attempt() + ", after an interrupted one: sessions gone may be ones it terminated)"
        : counts;
  }

  static String env(PoolSettings p) {
    return p.values().stream()
        .map(v -> v.name() + "=" + (v.value() == null ? "(unset)" : v.value()))
        .collect(Collectors.joining(", "));
  }

  static String evidence(PoolDiagnosis d) {
    return d.evidence() == null || d.evidence().isEmpty() ? "" : " — " + String.join("; ", d.evidence());
  }
}
