package dev.remediator.launcher;

import dev.remediator.config.ConfigException;
import dev.remediator.starter.cli.ApproveCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./remediator}: one entry point for the demo, the services and the operator CLI. */
@Command(
    name = "remediator",
    mixinStandardHelpOptions = true,
    version = "remediator 0.1.0",
    description = "Runbooks as durable Temporal workflows: the PostgreSQL connection-pool runbook.",
    subcommands = {
      DemoCommand.class,
      DevCommand.class,
      ServerCommand.class,
      WorkerCommand.class,
      ReceiverCommand.class,
      ApproveCommand.class
    })
public final class Remediator implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Remediator());
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof ConfigException) {
            cmd.getErr().println("configuration error: " + e.getMessage());
            return 2;
          }
          throw e;
        });
    return cli;
  }
}
