package dev.remediator.starter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.remediator.incident.IncidentReport;
import dev.remediator.starter.IncidentControl;
import dev.remediator.starter.IncidentStubs;
import dev.remediator.starter.ReportMarkdown;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code remediator report ID [--format md|json]}: the written record of a closed incident. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "Print the report of a closed incident (the workflow result): markdown (the post-incident draft) or JSON.",
      "Exit codes: 0 printed, 1 error (e.g. the run failed or was terminated), 2 usage, 3 still open, 4 no such"
          + " incident."
    })
public final class ReportCommand extends TemporalCommand {
  enum Format {
    md,
    json
  }

  @Parameters(index = "0", paramLabel = "INCIDENT_ID", description = "as `incidents` lists it: <runbook>:<namespace>:<service>[:<database>]")
  String incidentId;

  @Option(names = "--format", defaultValue = "md", description = "md or json (default ${DEFAULT-VALUE}).")
  Format format;

  @Override
  protected int run(IncidentStubs temporal) {
    JsonNode result =
        new IncidentControl(temporal)
            .closedReport(incidentId, remaining())
            .orElseThrow(() -> new CliFailure(ExitCodes.REFUSED, "incident " + incidentId
                + " is still open; its report is written when it closes (see: remediator show " + incidentId
                + ")"));
    if (format == Format.json) {
      output.out().println(Output.toJson(result));
      output.out().flush();
      return ExitCodes.OK;
    }
    String markdown = markdown(result);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("incidentId", incidentId);
    json.put("markdown", markdown);
    output.print(json, markdown);
    return ExitCodes.OK;
  }

  /** The workflow's own draft ({@code markdown} component of the report) if present, else rendered here. */
  static String markdown(JsonNode result) {
    JsonNode own = result.get("markdown");
    if (own != null && own.isTextual() && !own.asText().isBlank()) {
      return own.asText();
    }
    return ReportMarkdown.render(Output.mapper().convertValue(result, IncidentReport.class));
  }
}
