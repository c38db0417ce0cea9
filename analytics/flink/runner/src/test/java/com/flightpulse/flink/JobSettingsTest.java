// The settings a deploy changes: windowsFrom (validated, as epoch millis for the SQL), the stream
// position (AT_TIMESTAMP with its timestamp on AWS; from the start against an emulator, which misreads the
// connector's timestamps), and the local restore switches.
package com.flightpulse.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobSettingsTest {
  private static JobSettings load(String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("--region", "eu-west-1", "--sourceStream", "b", "--sinkStream", "i"));
    args.addAll(List.of(extra));
    return JobSettings.load(args.toArray(new String[0]));
  }

  @Test
  void windowsFromDefaultsToTheEpochAndIsReadAsAnInstant() throws Exception {
    assertEquals("0", load().placeholders().get("windows.from.millis"));
    assertEquals(
        "1796211780000", load("--windowsFrom", "2026-12-02T11:43:00Z").placeholders().get("windows.from.millis"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> load("--windowsFrom", "yesterday"));
    assertTrue(e.getMessage().contains("setting windowsFrom must be an ISO-8601 instant"), e.getMessage());
  }

  @Test
  void atTimestampKeepsItsTimestampOnAwsAndReadsFromTheStartAgainstAnEmulator() throws Exception {
    String[] reset = {"--initialPosition", "AT_TIMESTAMP", "--initialTimestamp", "2026-12-02T11:43:00.000Z"};
    Map<String, String> aws = load(reset).placeholders();
    assertEquals("AT_TIMESTAMP", aws.get("booking.initial.position"));
    assertTrue(aws.get("kinesis.source.options").contains("'scan.stream.initpos.timestamp' = '2026-12-02T11:43:00.000Z'"));
    List<String> local = new ArrayList<>(List.of(reset));
    local.addAll(List.of("--endpoint", "http://127.0.0.1:4567"));
    Map<String, String> emulator = load(local.toArray(new String[0])).placeholders();
    assertEquals("TRIM_HORIZON", emulator.get("booking.initial.position"));
    assertEquals("", emulator.get("kinesis.source.options"));
  }

  @Test
  void restoreSwitchesAreBooleansAndOffByDefault() throws Exception {
    JobSettings s = load("--savepointPath", "file:/tmp/sp");
    assertEquals("file:/tmp/sp", s.savepointPath);
    assertFalse(s.allowNonRestoredState);
    assertTrue(load("--allowNonRestoredState", "true").allowNonRestoredState);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> load("--planOnly", "yes"));
    assertTrue(e.getMessage().contains("setting planOnly must be true or false"), e.getMessage());
  }
}
