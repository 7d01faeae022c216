package dev.remediator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The guard of build B's change ({@link ChangedRunbook}): it applies to today's source, and fails loudly otherwise. */
class ChangedRunbookTest {
  @Test
  void swapsTheStepsBehindGetVersionInTodaysSource() throws Exception {
    String source = Files.readString(ChangedRunbook.SOURCE);
    String changed = ChangedRunbook.transform(source);
    assertThat(changed).doesNotContain(ChangedRunbook.ORIGINAL)
        .contains("Workflow.getVersion(\"" + ChangedRunbook.CHANGE_ID + "\", Workflow.DEFAULT_VERSION, 1)")
        .contains("    readWorkload();\n    checkServiceHealth();\n  }\n\n  private void readWorkload() {\n    try {\n"
            + "      PoolSettings pool = poolSize(");
    assertThat(changed.length()).isGreaterThan(source.length());
  }

  @Test
  void failsWhenTheLinesItChangesAreGone() {
    String moved = "class PoolRunbook {\n  private void assessCurrentImpact() {\n    readWorkload();\n  }\n}\n";
    assertThatThrownBy(() -> ChangedRunbook.transform(moved)).isInstanceOf(AssertionError.class)
        .hasMessageContaining("no longer starts the immediate response with these lines");
  }
}
