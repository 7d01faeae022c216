package dev.remediator.runbook.dbpool;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The thresholds the report compares the policy with ({@link ThresholdReview#SHIPPED_HIGH},
 * {@link ThresholdReview#SHIPPED_CRITICAL}) are those of the alert rules shipped in deploy/prometheus/rules.yaml:
 * changing a rule without the constant (or the reverse) fails here.
 */
class ShippedAlertRulesTest {
  /** The module's directory is the working directory of its tests. */
  static final Path RULES = Path.of("..", "deploy", "prometheus", "rules.yaml");
  private static final Pattern THRESHOLD = Pattern.compile(">\\s*([0-9]*\\.?[0-9]+)\\s*$");

  @Test
  void theConstantsAreTheShippedRulesThresholds() throws Exception {
    assertThat(threshold(DbPoolRunbook.HIGH)).isEqualTo(ThresholdReview.SHIPPED_HIGH);
    assertThat(threshold(DbPoolRunbook.CRITICAL)).isEqualTo(ThresholdReview.SHIPPED_CRITICAL);
  }

  /** The number after the last {@code >} of the alert's expression (each pool alert is one comparison). */
  static double threshold(String alertName) throws Exception {
    JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(RULES));
    List<String> exprs = new ArrayList<>();
    for (JsonNode group : doc.path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        if (alertName.equals(rule.path("alert").asText())) {
          exprs.add(rule.path("expr").asText().strip());
        }
      }
    }
    assertThat(exprs).as("the rules of " + alertName + " in " + RULES).hasSize(1);
    Matcher m = THRESHOLD.matcher(exprs.get(0));
    assertThat(m.find()).as("a threshold at the end of " + exprs.get(0)).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
