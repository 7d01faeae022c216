package dev.remediator.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RedactionTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "dsn=postgresql://auth:hunter2@db:5432/authdb | dsn=postgresql://auth:***@db:5432/authdb",
      "password=hunter2 user=auth | password=*** user=auth",
      "DB_PASSWORD: 'hunter 2' next | DB_PASSWORD: *** next",
      "{\"password\": \"hunter2\", \"pool\": 20} | {\"password\": ***, \"pool\": 20}",
      "Authorization: Bearer abcdefghijklmnop | Authorization: ***",
      "sent header bearer abcdefghijklmnop to upstream | sent header bearer *** to upstream",
      "api_key=AKIA1234567890&x=1 | api_key=***&x=1",
      "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl seen | jwt *** seen",
      "login failed for alice.smith@example.com | login failed for ***@***",
      "client_secret=s3cr3t; session_id=abc123 | client_secret=***; session_id=***",
  })
  void masksSecrets(String line, String expected) {
    assertThat(Redaction.redact(line)).isEqualTo(expected);
  }

  @Test
  void leavesOrdinaryDiagnosticsAlone() {
    String line = "2026-11-26T17:01:03Z ERROR Connection pool exhausted: 30/30 in use (size=20 overflow=10)"
        + " client=10.0.3.7 timeout=30s";
    assertThat(Redaction.redact(line)).isEqualTo(line);
  }
}
