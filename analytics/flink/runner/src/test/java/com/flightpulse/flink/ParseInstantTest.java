// parse_instant reads occurredAt exactly as the event contract allows it, and nothing else.
package com.flightpulse.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class ParseInstantTest {
  private static final Instant TEN = Instant.parse("2026-11-23T10:00:00Z");

  @Test
  void readsEveryOffsetToTheSameInstant() {
    assertEquals(TEN, ParseInstant.parse("2026-11-23T10:00:00Z"));
    assertEquals(TEN, ParseInstant.parse("2026-11-23T15:30:00+05:30"));
    assertEquals(TEN, ParseInstant.parse("2026-11-23T02:00:00-08:00"));
    assertEquals(TEN, ParseInstant.parse("2026-11-23T10:00Z"));
  }

  @Test
  void truncatesToTheMillisecond() {
    assertEquals(TEN.plusMillis(123), ParseInstant.parse("2026-11-23T10:00:00.123999999Z"));
    assertEquals(TEN.plusMillis(120), ParseInstant.parse("2026-11-23T10:00:00.12Z"));
  }

  @Test
  void refusesWhatTheContractRefuses() {
    for (String bad :
        new String[] {
          "2026-02-30T10:00:00Z",
          "2026-11-23t10:00:00Z",
          "2026-11-23T25:00:00Z",
          "2026-11-23T10:00:00",
          "2026-11-23T10:00:00+19:00",
          "2026-11-23T10:00:00.1234567890Z",
          "",
        }) {
      assertNull(ParseInstant.parse(bad), bad);
    }
    assertNull(ParseInstant.parse(null));
  }
}
