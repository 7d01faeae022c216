package dev.remediator.config;

import dev.remediator.incident.EscalationTier;
import java.util.ArrayList;
import java.util.List;

/** Targets whose escalation would page nobody: no tier of their ladder names a channel. Warned about at startup. */
public final class EscalationCheck {
  private EscalationCheck() {}

  /** One warning per such target (empty when every target's ladder pages someone). */
  public static List<String> warnings(RemediatorConfig config) {
    List<String> out = new ArrayList<>();
    for (TargetConfig t : config.targets()) {
      List<EscalationTier> ladder = t.policy().escalation();
      boolean pages = ladder != null && ladder.stream().anyMatch(tier -> tier.channels() != null && !tier.channels().isEmpty());
      if (!pages) {
        out.add("escalation for " + t.target().id() + " has no notification channel configured: an escalated"
            + " incident pages nobody (set defaults.escalation[].channels and notifications.channels)");
      }
    }
    return out;
  }
}
