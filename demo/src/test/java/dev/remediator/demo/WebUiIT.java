package dev.remediator.demo;

import dev.remediator.runbook.dbpool.PoolReportSection;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.incident.IncidentPhase;
import dev.remediator.incident.IncidentReport;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.launcher.EmbeddedStack;
import dev.remediator.launcher.Prerequisites;
import dev.remediator.launcher.TemporalDevServer;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import java.io.File;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Temporal Web UI in a real browser, on the real dev server: a leak in a real PostgreSQL opens an incident that
 * waits for approval; the dev server is restarted on its database (the incident survives); headless Chromium finds
 * the incident with a search-attribute query, reads its summary, details and current details, runs the {@code status}
 * query and sends the {@code approve} signal through the UI's signal dialog; the sessions are terminated and the
 * incident closes. Screenshots: {@code target/webui/*.png}.
 */
class WebUiIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String QUERY = "RemediatorPhase=\"AWAITING_APPROVAL\"";
  private static final String REASON = "approved in the Temporal UI";
  private static final Duration UI_WAIT = Duration.ofSeconds(30);

  private final Path dir = Path.of("target", "webui").toAbsolutePath();
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private WebDriver browser;

  @AfterEach
  void tearDown() throws Exception {
    if (browser != null) {
      dump("last"); // the page as the test left it, for a failure
      browser.quit();
    }
    while (!resources.isEmpty()) {
      resources.pop().close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T resource) {
    resources.push(resource);
    return resource;
  }

  @Test
  void approveAnIncidentThroughTheWebUi() throws Exception {
    Path cli = Prerequisites.temporalCli();
    Prerequisites.browser();
    Demo.deleteTree(dir);
    Files.createDirectories(dir);

    DemoDatabase db = closeLater(DemoDatabase.start(dir.resolve("postgres")));
    SimulatedApplication app = closeLater(SimulatedApplication.start(db, Demo.LEAKED, Demo.HEALTHY));
    SimulatedCluster cluster = closeLater(SimulatedCluster.start());
    NotificationSink sink = closeLater(NotificationSink.start(new PrintStream(OutputStream.nullOutputStream())));
    String token = UUID.randomUUID().toString();
    Path tokenFile = Files.writeString(dir.resolve("webhook-token"), token);
    RemediatorConfig config = ConfigLoader.parse(
        Demo.config(db.jdbcUrl(), tokenFile, app) + sink.configYaml(dir.resolve("secrets")), "web UI test");
    Path state = dir.resolve("state");

    // 1. The incident opens on the dev server and waits for approval.
    EmbeddedStack first = EmbeddedStack.start(
        config, TemporalDevServer.start(cli, state, 0, 0, Duration.ofSeconds(90)), "127.0.0.1", 0,
        cluster.client());
    String plan;
    try {
      await("the leak is older than the termination threshold").atMost(Duration.ofSeconds(20))
          .until(() -> db.youngestLeakSeconds() >= Demo.TERMINATE_AFTER.toSeconds());
      HttpResponse<String> fired = Demo.fire(first.webhookUrl(), token, "/demo/firing-critical.json");
      assertThat(fired.statusCode()).as(fired.body()).isEqualTo(200);
      plan = awaitStatus(first, s -> s.phase() == IncidentPhase.AWAITING_APPROVAL).plan().planId();
    } finally {
      first.close();
    }

    // 2. dev restarts on the same state directory (other ports): the incident is still there, still waiting.
    EmbeddedStack stack = closeLater(EmbeddedStack.start(
        config, TemporalDevServer.start(cli, state, 0, 0, Duration.ofSeconds(90)), "127.0.0.1", 0,
        cluster.client()));
    IncidentStatus waiting = awaitStatus(stack, s -> s.phase() == IncidentPhase.AWAITING_APPROVAL);
    assertThat(waiting.plan().planId()).isEqualTo(plan);
    assertThat(db.idleInTransactionNow()).isEqualTo(Demo.LEAKED);
    TemporalDevServer server = (TemporalDevServer) stack.temporal();

    // 3. The browser.
    browser = chromium();
    WebDriverWait wait = new WebDriverWait(browser, UI_WAIT);

    browser.get(server.workflowsUrl(TemporalDevServer.NAMESPACE, QUERY));
    WebElement row = wait.until(ExpectedConditions.visibilityOfElementLocated(
        By.xpath("//a[contains(@href, '/workflows/') and contains(., '" + Demo.INCIDENT_ID + "')]")));
    dump("list");

    row.click();

    // The incident page: summary and details (set at start), current details (kept up to date by the workflow).
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("body"), "IncidentWorkflow"));
    clickTab("User Metadata");
    String summary = frameText("user-metadata-summary", "Connection pool incident");
    String details = frameText("user-metadata-details", "DatabaseConnectionPoolCritical");
    String current = frameText("user-metadata-current-details", plan);
    assertThat(summary).contains("Connection pool incident").contains("auth-service");
    assertThat(details).contains("DatabaseConnectionPoolCritical").contains("approve");
    assertThat(current).contains("AWAITING_APPROVAL").contains(plan).contains("25 idle in transaction");
    dump("incident");

    // The status query, run from the Queries tab.
    clickTab("Queries");
    clickButton("Run Query");
    WebElement result = wait.until(d -> {
      WebElement r = displayedOrNull(By.cssSelector("[data-testid='query-result']"));
      return r != null && r.getText().contains(plan) ? r : null;
    });
    assertThat(result.getText()).contains("\"phase\"").contains("AWAITING_APPROVAL").contains(plan);
    dump("query");

    // The approve signal through the signal dialog.
    displayed(By.cssSelector("button[aria-controls='workflow-actions']")).click();
    displayed(By.xpath("//*[@role='menuitem' and normalize-space()='Send a Signal']")).click();
    WebElement modal = wait.until(d -> displayedOrNull(By.cssSelector("[data-testid='signal-confirmation-modal']")));
    WebElement select = modal.findElements(By.cssSelector("[data-testid='signal-select-button']")).stream()
        .filter(WebElement::isDisplayed).findFirst().orElse(null);
    if (select != null) { // the workflow's signal definitions (with their descriptions)
      select.click();
      wait.until(d -> displayedOrNull(By.xpath(
          "//*[@role='option' and .//text()[normalize-space()='approve']]"))).click();
    } else {
      modal.findElement(By.id("signal-name")).sendKeys("approve");
    }
    Map<String, String> decision = new LinkedHashMap<>();
    decision.put("planId", plan);
    decision.put("approver", Demo.APPROVER);
    decision.put("reason", REASON);
    String input = JSON.writeValueAsString(decision);
    WebElement editor = modal.findElement(By.cssSelector(".cm-content"));
    editor.click();
    editor.sendKeys(input);
    Files.writeString(dir.resolve("signal-input.txt"), editor.getText());
    assertThat(JSON.readTree(editor.getText())).as(editor.getText()).isEqualTo(JSON.readTree(input));
    // Typing may have scrolled the dialog sideways (long signal descriptions widen it): back to its start.
    ((JavascriptExecutor) browser).executeScript(
        "arguments[0].scrollLeft = 0; arguments[0].querySelectorAll('*').forEach(e => e.scrollLeft = 0);", modal);
    dump("signal");
    modal.findElement(By.cssSelector("[data-testid='confirm-modal-button']")).click();
    wait.until(ExpectedConditions.invisibilityOf(modal));
    dump("signal-sent");

    // The workflow takes it from there: the leaked sessions are terminated, the pool recovers, the incident closes.
    await("the leaked sessions are terminated").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> db.idleInTransactionNow() == 0);
    awaitStatus(stack, s -> s.phase() == IncidentPhase.RECOVERED);
    HttpResponse<String> resolved = Demo.fire(stack.webhookUrl(), token, "/demo/resolved.json");
    assertThat(resolved.statusCode()).as(resolved.body()).isEqualTo(200);
    IncidentReport report = stack.incidents().result(Demo.INCIDENT_ID, IncidentReport.class);
    assertThat(report.outcome()).hasToString("MITIGATED");
    assertThat(PoolReportSection.of(report).sessionsTerminated()).isEqualTo(Demo.LEAKED);
    assertThat(db.idleNow()).as("healthy sessions left").isEqualTo(Demo.HEALTHY);
    assertThat(report.timeline())
        .as("the approval came from the UI's signal")
        .anySatisfy(e -> {
          assertThat(e.actor()).isEqualTo(Demo.APPROVER);
          assertThat(e.event()).contains(plan).contains(REASON);
        });
    assertThat(stack.incidents().describe(Demo.INCIDENT_ID).getStatus())
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);

    // The closed incident, through the link `dev` prints for it.
    String runId = stack.incidents().describe(Demo.INCIDENT_ID).getExecution().getRunId();
    browser.get(server.workflowUrl(TemporalDevServer.NAMESPACE, Demo.INCIDENT_ID, runId));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("body"), "COMPLETED"));
    clickTab("User Metadata");
    frameText("user-metadata-summary", "Connection pool incident");
    dump("closed");
  }

  private void clickTab(String text) {
    displayed(By.xpath("//a[normalize-space()='" + text + "']")).click();
  }

  private void clickButton(String text) {
    displayed(By.xpath("//button[normalize-space()='" + text + "']")).click();
  }

  /** The one visible element among those matching (the UI renders some controls twice, for small screens). */
  private WebElement displayed(By by) {
    return new WebDriverWait(browser, UI_WAIT).until(d -> displayedOrNull(by));
  }

  private WebElement displayedOrNull(By by) {
    return browser.findElements(by).stream().filter(WebElement::isDisplayed).findFirst().orElse(null);
  }

  /** The text of the Markdown the UI renders in the iframe {@code id}, once it contains {@code expected}. */
  private String frameText(String id, String expected) {
    String[] text = new String[1];
    new WebDriverWait(browser, UI_WAIT).until(d -> {
      try {
        d.switchTo().frame(d.findElement(By.id(id)));
        text[0] = d.findElement(By.tagName("body")).getText();
        return text[0].contains(expected);
      } finally {
        d.switchTo().defaultContent();
      }
    });
    return text[0];
  }

  private IncidentStatus awaitStatus(EmbeddedStack stack, java.util.function.Predicate<IncidentStatus> until) {
    IncidentStatus[] seen = new IncidentStatus[1];
    await("incident status").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
        .ignoreExceptions()
        .until(() -> {
          seen[0] = stack.incidents().status(Demo.INCIDENT_ID);
          return until.test(seen[0]);
        });
    return seen[0];
  }

  private WebDriver chromium() throws Exception {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(Prerequisites.CHROMIUM.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
        "--user-data-dir=" + Files.createTempDirectory(dir, "chromium-profile-"), "--window-size=1400,1000");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(Prerequisites.CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .withLogFile(dir.resolve("chromedriver.log").toFile())
            .build();
    return new ChromeDriver(service, options);
  }

  private void dump(String name) throws Exception {
    File png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Files.copy(png.toPath(), dir.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(dir.resolve(name + ".html"), browser.getPageSource());
    Files.writeString(dir.resolve(name + ".txt"), browser.findElement(By.tagName("body")).getText());
  }
}
