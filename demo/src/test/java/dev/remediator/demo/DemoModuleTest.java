package dev.remediator.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.launcher.Remediator;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** With this module on the class path (demo/target/remediator-demo.jar), {@code ./remediator demo} is the demo. */
class DemoModuleTest {
  @Test
  void theLauncherFindsTheDemo() {
    CommandLine cli = Remediator.commandLine();
    StringWriter help = new StringWriter();
    cli.setOut(new PrintWriter(help, true));

    assertThat((Object) cli.getSubcommands().get("demo").getCommand()).isInstanceOf(DemoCommand.class);
    assertThat(cli.getSubcommands().keySet()).first().isEqualTo("demo");
    assertThat(cli.execute("demo", "--help")).isZero();
    assertThat(help.toString()).contains("service-down", "--temporal=MODE");
  }
}
