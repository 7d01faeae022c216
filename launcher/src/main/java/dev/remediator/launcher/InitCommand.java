package dev.remediator.launcher;

import dev.remediator.config.ConfigTemplate;
import dev.remediator.starter.cli.ExitCodes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code remediator init [FILE]}: writes the commented starting configuration; asks nothing. */
@Command(
    name = "init",
    mixinStandardHelpOptions = true,
    description = {
      "Write a commented configuration to start from: every key with its default, the runbook step it belongs to,"
          + " secrets by environment variable or file. It loads as written; edit the target, then run"
          + " `remediator dev -c FILE`.",
      "Exit codes: 0 written, 1 cannot write, 2 usage or FILE exists (use --force)."
    })
final class InitCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "FILE",
      defaultValue = "remediator.yaml",
      description = "Where to write it (default ${DEFAULT-VALUE}; - for standard output).")
  Path file;

  @Option(names = "--force", description = "Overwrite FILE if it exists.")
  boolean force;

  @Override
  public Integer call() {
    String text = ConfigTemplate.text();
    if (file.toString().equals("-")) {
      spec.commandLine().getOut().print(text);
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      if (force) {
        Files.writeString(file, text, StandardCharsets.UTF_8);
      } else {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);
      }
    } catch (FileAlreadyExistsException e) {
      spec.commandLine().getErr().println("error: " + file + " exists; not overwritten (use --force to replace it)");
      return ExitCodes.USAGE;
    } catch (IOException e) {
      spec.commandLine().getErr().println("error: cannot write " + file + ": " + e.getMessage());
      return ExitCodes.ERROR;
    }
    var out = spec.commandLine().getOut();
    out.println("Wrote " + file + " (commented; every key with its default).");
    out.println("Next: edit targets[0] (database URL, roles, deployment, endpoints) and the approvers, then");
    out.println("  ./remediator dev -c " + file);
    out.flush();
    return ExitCodes.OK;
  }
}
