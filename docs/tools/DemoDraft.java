import dev.remediator.demo.Demo;
import dev.remediator.incident.IncidentReport;
import dev.remediator.incident.ReportDiagrams;
import dev.remediator.incident.TimelineEntry;
import dev.remediator.registry.Runbooks;
import dev.remediator.runbook.dbpool.UtilizationSample;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs {@code ./remediator demo} in-process (its progress goes to stderr) and prints the incident's Markdown
 * post-incident draft on stdout, with the Mermaid pictures of {@link ReportDiagrams}. Used by render-report.sh:
 *
 * <pre>java -cp demo/target/remediator-demo.jar docs/tools/DemoDraft.java &gt; draft.md</pre>
 *
 * <p>When the workflow's own draft already carries the pictures it is printed as is. Otherwise they are inserted
 * before its "## Timeline" table, drawn from the timeline and from the utilization readings the timeline records.
 */
public class DemoDraft {
  private static final Pattern UTILIZATION = Pattern.compile("[Uu]tilization (\\d+(?:\\.\\d+)?)%");

  public static void main(String[] args) throws Exception {
    Demo.Result result = new Demo(new PrintStream(System.err, true, StandardCharsets.UTF_8)).run();
    if (!result.leakCleared()) {
      throw new IllegalStateException("the demo did not clear the leak");
    }
    IncidentReport report = result.report();
    String md = report.markdown();
    if (!md.contains("```mermaid")) {
      List<UtilizationSample> samples = new ArrayList<>();
      for (TimelineEntry e : report.timeline()) {
        Matcher m = UTILIZATION.matcher(e.event());
        if (m.find()) {
          samples.add(new UtilizationSample(e.at(), Double.parseDouble(m.group(1)) / 100));
        }
      }
      String pictures = ReportDiagrams.markdown(report.timeline(), samples, Runbooks.defaultPolicy());
      int at = md.indexOf("\n## Timeline");
      md = at < 0 ? md + "\n" + pictures : md.substring(0, at + 1) + pictures + "\n" + md.substring(at + 1);
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    out.print(md);
    out.flush();
  }
}
