package dev.remediator.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What may leave an activity as query text: no literal, no comment, identifiers intact. */
class QueryTextTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiterString = " => ",
      quoteCharacter = '`',
      textBlock =
          """
          SELECT email FROM accounts WHERE id = 42 => SELECT email FROM accounts WHERE id = ?
          SELECT * FROM t WHERE name = 'alice' => SELECT * FROM t WHERE name = ?
          SELECT * FROM t WHERE name = 'O''Brien' AND x = 1 => SELECT * FROM t WHERE name = ? AND x = ?
          SELECT E'it\\'s secret', 1 => SELECT ?, ?
          SELECT e'back\\\\slash' || 'x' => SELECT ? || ?
          SELECT E'a''b\\nc' AS v => SELECT ? AS v
          SELECT 'C:\\' AS path, 2 => SELECT ? AS path, ?
          SELECT B'1010', X'FF', N'nat', U&'d\\0061t' => SELECT ?, ?, ?, ?
          SELECT $$dollar 'quoted' secret$$ => SELECT ?
          SELECT $tag$ has $$ inside $tag$ FROM t => SELECT ? FROM t
          SELECT $a$x$a$, $b$y$b$ => SELECT ?, ?
          SELECT * FROM table1 JOIN t2_x ON table1.id = t2_x.id => SELECT * FROM table1 JOIN t2_x ON table1.id = t2_x.id
          SELECT * FROM t WHERE a = $1 AND b = $2 => SELECT * FROM t WHERE a = $1 AND b = $2
          SELECT foo$bar$ FROM t WHERE c = 'x$bar$y' => SELECT foo$bar$ FROM t WHERE c = ?
          SELECT "Col 2", "weird""name" FROM "Table 1" => SELECT "Col 2", "weird""name" FROM "Table 1"
          SELECT 3.14, .5, 1e-3, 2E+10, 6.02e23, 0x1F, 1_000_000 => SELECT ?, ?, ?, ?, ?, ?, ?
          SELECT a-1, b+2, -3, c*4.0 => SELECT a-?, b+?, -?, c*?
          SELECT '42'::int, 7::bigint, arr[1:2] => SELECT ?::int, ?::bigint, arr[?:?]
          SELECT x FROM t LIMIT 10 OFFSET 20 => SELECT x FROM t LIMIT ? OFFSET ?
          SELECT 1 -- password is hunter2 => SELECT ?
          SELECT /* api_key=abc123 */ 1 => SELECT ?
          SELECT /* outer /* nested 'x' */ still comment */ 2 => SELECT ?
          SELECT '-- not a comment', 'a' -- it's a comment => SELECT ?, ?
          SELECT 'unterminated secret that was cut off by track_ => SELECT ?
          SELECT $$cut off dollar secret => SELECT ?
          SELECT x /* cut off comment => SELECT x
          UPDATE users SET password = 'hunter2' WHERE id = 7 => UPDATE users SET password = ? WHERE id = ?
          ALTER ROLE app PASSWORD 'S3cr3t!' => ALTER ROLE app PASSWORD ?
          SELECT * FROM t WHERE id IN (1, 2, 3) => SELECT * FROM t WHERE id IN (?, ?, ?)
          SELECT v1, v2 FROM t WHERE ts > now() - interval '1 day' => SELECT v1, v2 FROM t WHERE ts > now() - interval ?
          SELECT 'é' || 'ü', café FROM t => SELECT ? || ?, café FROM t
          SELECT E'\\x41' FROM bytea_t => SELECT ? FROM bytea_t
          SELECT "it's", 'say "hi"' FROM t => SELECT "it's", ? FROM t
          SELECT "a\\" FROM "b\\" => SELECT "a\\" FROM "b\\"
          SELECT x FROM "cut off identifier => SELECT x FROM "cut off identifier
          SELECT E'cut off after a backslash\\ => SELECT ?
          """)
  void replacesLiteralsAndDropsComments(String query, String expected) {
    assertThat(QueryText.normalize(query)).isEqualTo(expected);
  }

  @Test
  void foldsWhitespaceIncludingNewlinesAndTabs() {
    assertThat(QueryText.normalize("  SELECT\n\tx\r\n  FROM   t  -- trailing\n  WHERE y = 'a\n b'  "))
        .isEqualTo("SELECT x FROM t WHERE y = ?");
  }

  @Test
  void secretsNeverSurviveAnywhereInTheText() {
    String q =
        """
        /* user: alice@example.com */ INSERT INTO cards(number, holder, cvv)
        VALUES ('4111111111111111', E'Alice\\'s card', 123), ($$Bob's$$, 'Bob', 456) -- token 9f8e7d
        """;
    String n = QueryText.normalize(q);
    assertThat(n).isEqualTo("INSERT INTO cards(number, holder, cvv) VALUES (?, ?, ?), (?, ?, ?)");
    for (String secret : new String[] {"alice", "4111", "Alice", "Bob", "123", "456", "9f8e7d"}) {
      assertThat(n).doesNotContain(secret);
    }
  }

  @Test
  void capsTheLengthWithoutSplittingACharacter() {
    String q = "SELECT " + "column_name, ".repeat(100) + "x FROM t";
    String n = QueryText.normalize(q);
    assertThat(n).hasSizeLessThanOrEqualTo(QueryText.MAX_LENGTH + 1).endsWith("…").startsWith("SELECT column_name,");

    String emoji = "SELECT " + "a".repeat(QueryText.MAX_LENGTH - 8) + "\uD83D\uDE00\uD83D\uDE00 FROM t";
    String e = QueryText.normalize(emoji);
    assertThat(e).endsWith("…");
    assertThat(Character.isHighSurrogate(e.charAt(e.length() - 2))).isFalse();
  }

  @Test
  void aHugeLiteralDoesNotCostAHugeResult() {
    String q = "SELECT '" + "x".repeat(1_000_000) + "' , 1";
    assertThat(QueryText.normalize(q)).isEqualTo("SELECT ? , ?");
  }

  @Test
  void nullAndEmptyStayAsTheyAre() {
    assertThat(QueryText.normalize(null)).isNull();
    assertThat(QueryText.normalize("")).isEmpty();
    assertThat(QueryText.normalize("   ")).isEmpty();
  }
}
