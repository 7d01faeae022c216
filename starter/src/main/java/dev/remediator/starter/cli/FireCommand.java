package dev.remediator.starter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code remediator fire FILE|-}: posts an Alertmanager webhook payload to a receiver, as Alertmanager would. */
@Command(
    name = "fire",
    mixinStandardHelpOptions = true,
    description = {
      "POST an Alertmanager webhook payload (a file, or - for standard input) to a receiver.",
      "Token: --token-file, --token, or $REMEDIATOR_WEBHOOK_TOKEN (none: no Authorization header).",
      "Exit codes: 0 accepted (2xx), 1 error (receiver unreachable, 5xx such as Temporal down), 2 usage or payload"
          + " refused as invalid (400/413/415/422), 3 refused (401/403)."
    })
public final class FireCommand implements Callable<Integer> {
  @Mixin Output output;

  @Parameters(index = "0", paramLabel = "FILE", description = "Payload file, or - for standard input.")
  String file;

  @Option(
      names = "--url",
      defaultValue = "${env:REMEDIATOR_WEBHOOK_URL:-http://127.0.0.1:8080/webhooks/alertmanager}",
      description = "Receiver webhook URL (default: $REMEDIATOR_WEBHOOK_URL or ${DEFAULT-VALUE}).")
  URI url;

  @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token (visible in process lists: prefer"
      + " --token-file or the environment).")
  String token;

  @Option(names = "--token-file", paramLabel = "FILE", description = "File holding the bearer token.")
  Path tokenFile;

  @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS", description = "Request timeout"
      + " (default ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Override
  public Integer call() {
    byte[] body;
    String bearer;
    try {
      body = read();
      bearer = token();
    } catch (IOException e) {
      return output.fail(ExitCodes.USAGE, "cannot read " + e.getMessage());
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(url)
            .timeout(Duration.ofSeconds(timeoutSeconds))
            .header("Content-Type", "application/json")
            .header("User-Agent", "remediator-fire")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (bearer != null) {
      request.header("Authorization", "Bearer " + bearer);
    }
    HttpResponse<String> response;
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(timeoutSeconds)).build();
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (ConnectException e) {
      return output.fail(ExitCodes.ERROR, "receiver not reachable at " + url);
    } catch (IOException e) {
      return output.fail(ExitCodes.ERROR, "request to " + url + " failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return output.fail(ExitCodes.ERROR, "interrupted");
    }
    int status = response.statusCode();
    int exit =
        status / 100 == 2
            ? ExitCodes.OK
            : status == 401 || status == 403
                ? ExitCodes.REFUSED
                : status / 100 == 4 ? ExitCodes.USAGE : ExitCodes.ERROR;
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("status", status);
    json.put("response", parse(response.body()));
    if (output.json()) {
      output.print(json, null);
    } else if (exit == ExitCodes.OK) {
      output.out().println(status + " " + response.body());
      output.out().flush();
    } else {
      output.err().println("error: receiver answered " + status + " " + response.body());
      output.err().flush();
    }
    return exit;
  }

  private byte[] read() throws IOException {
    if ("-".equals(file)) {
      InputStream in = System.in;
      return in.readAllBytes();
    }
    try {
      return Files.readAllBytes(Path.of(file));
    } catch (IOException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  private String token() throws IOException {
    if (tokenFile != null) {
      try {
        return Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new IOException(tokenFile + ": " + e.getMessage(), e);
      }
    }
    if (token != null) {
      return token;
    }
    String env = System.getenv("REMEDIATOR_WEBHOOK_TOKEN");
    return env == null || env.isBlank() ? null : env.strip();
  }

  private static Object parse(String body) {
    try {
      JsonNode node = Output.mapper().readTree(body);
      return node == null ? body : node;
    } catch (IOException e) {
      return body;
    }
  }
}
