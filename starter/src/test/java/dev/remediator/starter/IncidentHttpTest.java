package dev.remediator.starter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When the verbs go over Temporal's HTTP API, and when they stay on gRPC (the calls: OperatorCliIT, WorkerCrashIT). */
class IncidentHttpTest {
  private static final Duration CONNECT = Duration.ofSeconds(1);

  @Test
  void noHttpAddressMeansGrpc() throws Exception {
    assertThat(IncidentHttp.configure(null, null, Map.of(), CONNECT)).isEmpty();
    assertThat(IncidentHttp.configure(null, null, Map.of(IncidentHttp.ENV, " "), CONNECT)).isEmpty();
  }

  @Test
  void theEnvironmentOrTheFlagNamesIt() throws Exception {
    assertThat(IncidentHttp.configure(null, null, Map.of(IncidentHttp.ENV, "127.0.0.1:7243"), CONNECT))
        .get().extracting(IncidentHttp::address).isEqualTo("127.0.0.1:7243");
    assertThat(IncidentHttp.configure("http://h:1/", null, Map.of(IncidentHttp.ENV, "127.0.0.1:7243"), CONNECT))
        .get().extracting(IncidentHttp::address).isEqualTo("http://h:1/");
  }

  @Test
  void anExplicitGrpcAddressAloneMeansGrpcToIt() throws Exception {
    assertThat(IncidentHttp.configure(null, "127.0.0.1:7233", Map.of(IncidentHttp.ENV, "127.0.0.1:7243"), CONNECT))
        .isEmpty();
    assertThat(IncidentHttp.configure("127.0.0.1:7243", "127.0.0.1:7233", Map.of(), CONNECT)).isPresent();
  }

  @Test
  void aMalformedAddressIsAUsageError() {
    assertThatThrownBy(() -> IncidentHttp.configure("ftp://h:1", null, Map.of(), CONNECT))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(IncidentHttp.ENV);
    assertThatThrownBy(() -> IncidentHttp.configure("http://", null, Map.of(), CONNECT))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a host:port or URL");
  }
}
