// How the runner reads the bundled SQL: statements split on semicolons outside literals and quoted
// identifiers, comments dropped, placeholders filled or refused by name.
package com.flightpulse.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SqlScriptTest {
  @Test
  void splitsOnSemicolonsOutsideLiteralsAndIdentifiers() {
    String sql =
        "-- header; with a semicolon\n"
            + "CREATE TABLE t (`a;b` STRING) WITH ('k' = 'v;w');\n"
            + "INSERT INTO t SELECT 'it''s; fine -- not a comment' FROM s; -- trailing\n"
            + "  ;\n";
    assertEquals(
        List.of(
            "CREATE TABLE t (`a;b` STRING) WITH ('k' = 'v;w')",
            "INSERT INTO t SELECT 'it''s; fine -- not a comment' FROM s"),
        SqlScript.statements(sql));
  }

  @Test
  void refusesAnUnterminatedLiteral() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SqlScript.statements("SELECT 'open; FROM t"));
    assertTrue(e.getMessage().contains("unterminated"), e.getMessage());
  }

  @Test
  void fillsPlaceholdersAndNamesAMissingOne() {
    assertEquals(
        "'stream' = 'bookings'",
        SqlScript.substitute("f.sql", "'stream' = '${booking.stream}'", Map.of("booking.stream", "bookings")));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SqlScript.substitute("03_x.sql", "${insights.stream}", Map.of("booking.stream", "b")));
    assertTrue(e.getMessage().startsWith("03_x.sql uses ${insights.stream}"), e.getMessage());
  }

  @Test
  void escapesQuotesInValues() {
    assertEquals("o''brien", SqlScript.literal("o'brien"));
  }
}
