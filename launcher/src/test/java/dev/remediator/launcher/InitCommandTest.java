package dev.remediator.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.config.ConfigTemplate;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.runbook.Runbook;
import dev.remediator.registry.Runbooks;
import dev.remediator.starter.cli.ExitCodes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code remediator init}: the commented starting configuration, and what a new user sees without one. */
class InitCommandTest {
  @TempDir Path dir;

  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Remediator.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void writesACommentedConfigurationThatLoadsWithTheRunbookDefaults() throws Exception {
    Path file = dir.resolve("conf/remediator.yaml");
    Run r = run("init", file.toString());

    assertThat(r.exit()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("Wrote " + file, "./remediator dev -c " + file);
    String text = Files.readString(file);
    assertThat(text).isEqualTo(ConfigTemplate.text()).contains("# ");
    RemediatorConfig config = ConfigLoader.load(file);
    assertThat(config.taskQueueOrDefault()).isEqualTo("remediator");
    assertThat(config.receiverOrDefault().portOrDefault()).isEqualTo(8080);
    assertThat(config.targets()).hasSize(1);
    // The values it shows as defaults are the defaults.
    assertThat(config.targets().get(0).policy()).isEqualTo(Runbooks.defaultPolicy());
    assertThat(config.targets().get(0).postgres().connectTimeoutOrDefault())
        .isEqualTo(config.targets().get(0).postgres().connectTimeout());
    assertThat(config.targets().get(0).kubernetes().poolEnvOrDefault())
        .isEqualTo(config.targets().get(0).kubernetes().poolEnv());
    // No secret in it: passwords and tokens are named by env var or file.
    assertThat(text).doesNotContainPattern("(?m)^\\s*(password|token|routingKey|url)\\s*:\\s*(?!jdbc:postgresql:)\\S");
  }

  @Test
  void documentsEveryKeyTheLoaderAccepts() {
    String text = ConfigTemplate.text();
    Set<String> keys = new TreeSet<>();
    keysOf(RemediatorConfig.class, keys);
    keysOf(RunbookPolicy.class, keys);
    keys.add("runbooks");
    for (Runbook r : Runbooks.all()) {
      if (r.policy() != null) {
        keys.add(r.name());
        keysOf(r.policy().type(), keys);
      }
    }
    assertThat(keys).contains("databse".replace("bs", "bas"), "routingKeyFile", "ackTimeout", "maxSamplesPerRun");
    for (String key : keys) {
      assertThat(text).as("the template mentions key '" + key + "'").containsPattern("(?m)[\\s{#-]" + key + ":");
    }
  }

  @Test
  void refusesToOverwriteUnlessForced() throws Exception {
    Path file = Files.writeString(dir.resolve("remediator.yaml"), "# mine\n");

    Run refused = run("init", file.toString());
    assertThat(refused.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(refused.err()).contains(file + " exists", "--force");
    assertThat(Files.readString(file)).isEqualTo("# mine\n");

    Run forced = run("init", "--force", file.toString());
    assertThat(forced.exit()).isEqualTo(ExitCodes.OK);
    assertThat(Files.readString(file)).isEqualTo(ConfigTemplate.text());
  }

  @Test
  void printsToStandardOutput() {
    Run r = run("init", "-");
    assertThat(r.exit()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).isEqualTo(ConfigTemplate.text());
  }

  @Test
  void devWithoutAFilePointsToInit() {
    Run r = run("dev", "-c", dir.resolve("remediator.yaml").toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("configuration file not found", "./remediator init " + dir.resolve("remediator.yaml"));
  }

  @Test
  void aTypoIsReportedWhereItIsWithoutJava() throws Exception {
    Path file = dir.resolve("typo.yaml");
    run("init", file.toString());
    Files.writeString(file, Files.readString(file).replace("    database: authdb", "    databse: authdb"));

    Run r = run("dev", "-c", file.toString());

    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    int line = Files.readAllLines(file).indexOf("    databse: authdb                    # the `database` alert label") + 1;
    assertThat(line).isPositive();
    assertThat(r.err()).startsWith("configuration error: " + file + ":" + line + ":5: targets[0].databse: unknown key"
        + " 'databse'; did you mean 'database'?");
    assertThat(r.err()).doesNotContain("class", "dev.remediator", "Unrecognized");
  }

  /** Every record component name reachable from a configuration record (the keys a file may use). */
  private static void keysOf(Class<?> type, Set<String> keys) {
    if (!type.isRecord() || type.getPackageName().startsWith("java")) {
      return;
    }
    for (RecordComponent c : type.getRecordComponents()) {
      if (java.util.Map.class.isAssignableFrom(c.getType())) {
        continue; // RunbookPolicy's runbooks (each runbook's section, above) and earlier (older inputs' keys)
      }
      keys.add(c.getName());
      Type generic = c.getGenericType();
      if (generic instanceof ParameterizedType p && p.getRawType() == List.class
          && p.getActualTypeArguments()[0] instanceof Class<?> element) {
        keysOf(element, keys);
      } else {
        keysOf(c.getType(), keys);
      }
    }
  }
}
