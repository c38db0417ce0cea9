// parse_instant(occurredAt): the instant an event's ISO-8601 time names, with any UTC offset, truncated to
// milliseconds; NULL for a string the event contract's timestamp rule refuses. Registered by
// sql/flink/00_functions.sql. Flink's JSON format reads only a trailing `Z` into TIMESTAMP_LTZ.
package com.flightpulse.flink;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.functions.ScalarFunction;

public class ParseInstant extends ScalarFunction {
  /** The contract's pattern (analytics/events/schema.ts, Timestamp): upper-case T, offset required. */
  static final Pattern CONTRACT =
      Pattern.compile(
          "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})$");

  public @DataTypeHint("TIMESTAMP_LTZ(3)") Instant eval(String occurredAt) {
    return parse(occurredAt);
  }

  static Instant parse(String occurredAt) {
    if (occurredAt == null || !CONTRACT.matcher(occurredAt).matches()) return null;
    try {
      return OffsetDateTime.parse(occurredAt, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
          .toInstant()
          .truncatedTo(ChronoUnit.MILLIS);
    } catch (DateTimeException e) {
      return null; // 30 February, hour 25, offset +19:00: the contract refuses them too
    }
  }
}
