package dev.remediator.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The short operator verbs run without the rest of the command tree, and behave as the same verb in the tree. */
class OperatorVerbTest {
  private static final List<String> VERBS =
      List.of("incidents", "show", "approve", "reject", "ack", "replan", "report");

  @Test
  void eachShortVerbIsTheSameCommandAsInTheFullTree() {
    CommandLine tree = Remediator.commandLine();
    for (String verb : VERBS) {
      CommandLine alone = Remediator.operatorVerb(verb);
      assertThat(alone).as(verb).isNotNull();
      assertThat(alone.getCommand().getClass()).as(verb)
          .isEqualTo(tree.getSubcommands().get(verb).getCommand().getClass());
      assertThat(alone.getSubcommands()).as(verb).isEmpty();
    }
    for (String other : List.of("worker", "dev", "demo", "bench", "--help", "Show")) {
      assertThat(Remediator.operatorVerb(other)).as(other).isNull();
    }
  }

  @Test
  void aShortVerbParsesAndRejectsAsInTheTree() {
    StringWriter err = new StringWriter();
    CommandLine alone = Remediator.operatorVerb("approve");
    alone.setErr(new PrintWriter(err));
    int exit = alone.execute("dbpool:prod:a:b"); // --by is required
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required option: '--by=NAME'").contains("remediator approve");
  }
}
