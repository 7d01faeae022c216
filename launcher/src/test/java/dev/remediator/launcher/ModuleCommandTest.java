package dev.remediator.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Without the demo and bench modules on the class path (the product jar, this module's tests), {@code demo} and
 * {@code bench} are still listed, and answer how to get them instead of a usage error.
 */
class ModuleCommandTest {
  @Test
  void helpListsDemoFirstAndBenchLast() {
    CommandLine cli = Remediator.commandLine();
    List<String> names = List.copyOf(cli.getSubcommands().keySet());
    StringWriter help = new StringWriter();
    cli.setOut(new PrintWriter(help, true));

    assertThat(cli.execute("--help")).isZero();

    assertThat(ModuleCommand.found()).isEmpty();
    assertThat(names.get(0)).isEqualTo("demo");
    assertThat(names.get(names.size() - 1)).isEqualTo("bench");
    assertThat(names).contains("dev", "server", "worker", "receiver", "init", "show", "approve", "diagnose");
    assertThat(help.toString()).contains("  demo ", "  bench ");
    assertThat(String.join(" ", cli.getSubcommands().get("demo").getCommandSpec().usageMessage().description()))
        .contains("Service Down", "(module demo: demo/target/remediator-demo.jar)");
    assertThat(String.join(" ", cli.getSubcommands().get("bench").getCommandSpec().usageMessage().description()))
        .contains("(module bench: bench/target/remediator-bench.jar)");
  }

  @Test
  void anAbsentModuleSaysHowToGetItWhateverTheArguments() {
    for (List<String> args : List.of(List.of("demo"), List.of("demo", "service-down", "--verbose"),
        List.of("bench", "--smoke", "-o", "x.md"), List.of("bench", "--help"))) {
      PrintStream saved = System.err;
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int exit;
      try {
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        exit = Remediator.commandLine().execute(args.toArray(String[]::new));
      } finally {
        System.setErr(saved);
      }
      String name = args.get(0);
      assertThat(exit).as("%s", args).isEqualTo(2);
      assertThat(err.toString(StandardCharsets.UTF_8)).as("%s", args)
          .contains("`" + name + "` is not in this jar", "./remediator " + name,
              name + "/target/remediator-" + name + ".jar");
    }
  }
}
