package dev.remediator.starter.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code -o/--output text|json} option every verb has, and how results and errors are printed. */
public final class Output {
  public enum Format {
    text,
    json
  }

  /** The JSON mapper, built on first use: a verb printing text never pays for it. */
  static ObjectMapper mapper() {
    return Mapper.JSON;
  }

  private static final class Mapper {
    static final ObjectMapper JSON =
        JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .findAndAddModules()
            .build();
  }

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "text",
      paramLabel = "FORMAT",
      description = "Output format: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
  Format format = Format.text;

  public boolean json() {
    return format == Format.json;
  }

  public PrintWriter out() {
    return spec.commandLine().getOut();
  }

  public PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** Prints {@code value} as JSON (json mode) or {@code text} (text mode). */
  public void print(Object value, String text) {
    if (json()) {
      out().println(toJson(value));
    } else {
      out().println(text);
    }
    out().flush();
  }

  /** Reports a failure: a JSON object on stdout in json mode, a line on stderr otherwise. Returns the exit code. */
  public int fail(int exitCode, String message) {
    if (json()) {
      Map<String, Object> error = new LinkedHashMap<>();
      error.put("error", message);
      error.put("exitCode", exitCode);
      out().println(toJson(error));
      out().flush();
    } else {
      err().println("error: " + message);
      err().flush();
    }
    return exitCode;
  }

  static String toJson(Object value) {
    try {
      return mapper().writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
