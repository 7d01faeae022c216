package dev.remediator.launcher;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * A {@code ./remediator} command from a module the product never depends on: {@code demo} (module demo) and
 * {@code bench} (module bench). Implementations are picocli {@code @Command}s, listed in their module's
 * {@code META-INF/services/dev.remediator.launcher.ModuleCommand}; the launcher finds those on its class path. The
 * product jar (launcher/target/remediator.jar, the Docker image) has none: there each name answers how to get it.
 */
public interface ModuleCommand {

  /** The commands modules may add, in the order {@code --help} lists them; how to get each where it is absent. */
  enum Known {
    DEMO("demo", "Run the whole runbook once against an embedded PostgreSQL with a simulated leak; `demo"
        + " service-down`: the Service Down runbook; `demo db-performance`: the Database Performance runbook",
        "demo/target/remediator-demo.jar"),
    BENCH("bench", "Run the benchmark suite and write a Markdown report", "bench/target/remediator-bench.jar");

    final String name;
    final String description;
    final String jar;

    Known(String name, String description, String jar) {
      this.name = name;
      this.description = description;
      this.jar = jar;
    }

    /** Stands in for the command where its module is not on the class path: says where it is, exits 2. */
    CommandLine absent() {
      CommandSpec spec = CommandSpec.wrapWithoutInspection((java.util.concurrent.Callable<Integer>) () -> {
        System.err.println("remediator: `" + name + "` is not in this jar (the product jar and the Docker image carry"
            + " only the product commands). From a clone, `./remediator " + name + "` builds and runs " + jar
            + "; or `java -jar " + jar + " " + name + "` after `mvn -B -DskipTests package`.");
        return 2;
      });
      spec.name(name);
      spec.usageMessage().description(description + " (module " + name + ": " + jar + ").");
      // Whatever follows (a demo's or the bench's options) is taken, so the answer is this message, not a usage error.
      spec.addPositional(PositionalParamSpec.builder().arity("0..*").type(String[].class).hidden(true).build());
      spec.parser().unmatchedOptionsArePositionalParams(true);
      return new CommandLine(spec);
    }
  }

  /** The module commands on the class path, by name. */
  static Map<String, ModuleCommand> found() {
    Map<String, ModuleCommand> commands = new LinkedHashMap<>();
    for (ModuleCommand command : ServiceLoader.load(ModuleCommand.class)) {
      Command annotation = command.getClass().getAnnotation(Command.class);
      if (annotation == null) {
        throw new IllegalStateException(command.getClass().getName() + " is a ModuleCommand without @Command");
      }
      commands.put(annotation.name(), command);
    }
    return commands;
  }
}
