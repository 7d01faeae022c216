package dev.remediator.launcher;

import dev.remediator.config.ConfigException;
import dev.remediator.starter.cli.AckCommand;
import dev.remediator.starter.cli.ApproveCommand;
import dev.remediator.starter.cli.ExitCodes;
import dev.remediator.starter.cli.FireCommand;
import dev.remediator.starter.cli.IncidentsCommand;
import dev.remediator.starter.cli.RejectCommand;
import dev.remediator.starter.cli.ReplanCommand;
import dev.remediator.starter.cli.ReportCommand;
import dev.remediator.starter.cli.ShowCommand;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ./remediator}: one entry point for the services and the operator CLI, and for {@code demo} and {@code bench}
 * where their modules are on the class path ({@link ModuleCommand}).
 */
@Command(
    name = "remediator",
    mixinStandardHelpOptions = true,
    version = "remediator 0.1.0",
    description = "Runbooks as durable Temporal workflows: the PostgreSQL connection-pool runbook.",
    exitCodeListHeading = "%nExit codes (operator verbs):%n",
    exitCodeList = {
      "0:done / accepted",
      "1:error (Temporal or receiver unreachable, unexpected failure)",
      "2:usage or configuration error",
      "3:refused or stale (not an approver, stale plan, nothing pending, still open)",
      "4:not found (unknown incident or target)"
    })
public final class Remediator implements Runnable {
  /** The product's commands, in the order {@code --help} lists them: after {@code demo}, before {@code bench}. */
  private static final List<Class<?>> PRODUCT = List.of(
      DevCommand.class,
      ServerCommand.class,
      WorkerCommand.class,
      ReceiverCommand.class,
      IncidentsCommand.class,
      ShowCommand.class,
      ApproveCommand.class,
      RejectCommand.class,
      AckCommand.class,
      ReplanCommand.class,
      ReportCommand.class,
      VersionsCommand.class,
      FireCommand.class,
      DiagnoseCommand.class,
      InitCommand.class,
      CompletionCommand.class);

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    CommandLine verb = args.length > 0 ? operatorVerb(args[0]) : null;
    if (verb != null) {
      OperatorLogging.select();
      System.exit(verb.execute(java.util.Arrays.copyOfRange(args, 1, args.length)));
    }
    System.exit(commandLine().execute(args));
  }

  /**
   * Every command: the product's, and {@code demo} first and {@code bench} last as before, each from its module when
   * that is on the class path, else a stand-in that says how to get it.
   */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Remediator());
    Map<String, ModuleCommand> modules = ModuleCommand.found();
    add(cli, ModuleCommand.Known.DEMO, modules);
    PRODUCT.forEach(cli::addSubcommand);
    add(cli, ModuleCommand.Known.BENCH, modules);
    return handleConfigErrors(cli);
  }

  private static void add(CommandLine cli, ModuleCommand.Known known, Map<String, ModuleCommand> modules) {
    ModuleCommand command = modules.get(known.name);
    cli.addSubcommand(known.name, command != null ? new CommandLine(command) : known.absent());
  }

  /**
   * A short operator verb on its own, without the rest of the command tree: picocli builds the model of every
   * subcommand it is given, which cost each {@code show} or {@code approve} about a third of a second of class
   * loading. Null for any other command (the services, {@code demo}, {@code --help}, ...).
   */
  static CommandLine operatorVerb(String name) {
    Object command = switch (name) {
      case "incidents" -> new IncidentsCommand();
      case "show" -> new ShowCommand();
      case "approve" -> new ApproveCommand();
      case "reject" -> new RejectCommand();
      case "ack" -> new AckCommand();
      case "replan" -> new ReplanCommand();
      case "report" -> new ReportCommand();
      case "versions" -> new VersionsCommand();
      default -> null;
    };
    return command == null ? null : handleConfigErrors(new CommandLine(command).setCommandName("remediator " + name));
  }

  private static CommandLine handleConfigErrors(CommandLine cli) {
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof ConfigException) {
            cmd.getErr().println(configurationError(e.getMessage()));
            return ExitCodes.USAGE;
          }
          throw e;
        });
    return cli;
  }

  /** One problem on one line; several as an indented list (each line names file:line:column and key). */
  static String configurationError(String message) {
    if (!message.contains("\n")) {
      return "configuration error: " + message;
    }
    return "configuration error:\n  " + message.replace("\n", "\n  ");
  }
}
