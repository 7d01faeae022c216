package dev.remediator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.demo.DemoCommand;
import dev.remediator.launcher.Remediator;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** With this module on the class path (bench/target/remediator-bench.jar), {@code ./remediator bench} is the suite. */
class BenchModuleTest {
  @Test
  void theLauncherFindsTheBenchAndTheDemo() {
    CommandLine cli = Remediator.commandLine();
    StringWriter help = new StringWriter();
    cli.setOut(new PrintWriter(help, true));

    assertThat((Object) cli.getSubcommands().get("bench").getCommand()).isInstanceOf(BenchCommand.class);
    assertThat((Object) cli.getSubcommands().get("demo").getCommand()).isInstanceOf(DemoCommand.class);
    assertThat(cli.execute("bench", "--help")).isZero();
    assertThat(help.toString()).contains("--smoke", "--rows=WHICH");
  }
}
