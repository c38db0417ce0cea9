// The job's settings: the Managed Flink runtime properties (group FlinkApplicationProperties, written by
// pulumi/components/flink-app.ts) overlaid with `--name value` arguments (the local launcher and tests).
// Validated once; a bad or missing setting fails the start naming it.
package com.flightpulse.flink;

import com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

final class JobSettings {
  static final String PROPERTY_GROUP = "FlinkApplicationProperties";
  private static final Set<String> KNOWN =
      Set.of(
          "region", "sourceStream", "sinkStream", "initialPosition", "initialTimestamp",
          "allowedLatenessSeconds", "endpoint", "accessKeyId", "secretAccessKey", "parallelism",
          "sourceFile", "sinkDir", "restPort", "windowsFrom", "savepointPath", "allowNonRestoredState",
          "planOnly");
  private static final Set<String> POSITIONS = Set.of("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP");

  final String region;
  final String sourceStream;
  final String sinkStream;
  final String initialPosition;
  final String initialTimestamp;
  final int allowedLatenessSeconds;
  final String endpoint;
  final String accessKeyId;
  final String secretAccessKey;
  final int parallelism;
  /** File mode (tests, benchmark): read this JSON-lines file instead of the booking stream ... */
  final String sourceFile;
  /** ... and write each insight table as JSON lines under this folder instead of demand-insights. */
  final String sinkDir;
  /** Local runs: the MiniCluster's REST port on 127.0.0.1 (0 picks a free one; -1 for none set). */
  final int restPort;
  /**
   * Windows starting before this instant are not emitted: after a deploy that could not keep the state,
   * the job re-reads the stream from before the stop, and windows it saw only in part must not overwrite
   * the complete rows the old version wrote (docs/flink.md, "Changing the SQL").
   */
  final long windowsFromMillis;
  /** Local runs: resume from this savepoint (Managed Flink restores snapshots itself) ... */
  final String savepointPath;
  /** ... and whether state the new plan has no operator for may be dropped (off unless asked for). */
  final boolean allowNonRestoredState;
  /** Print the job's operators (identity, definition, whether they can hold state) and exit. */
  final boolean planOnly;
  /** True when started with arguments (locally), false on Managed Flink. */
  final boolean local;

  private JobSettings(Map<String, String> s, boolean local) {
    this.local = local;
    sourceFile = s.get("sourceFile");
    sinkDir = s.get("sinkDir");
    if ((sourceFile == null) != (sinkDir == null)) {
      throw new SettingException("sourceFile and sinkDir", "file mode needs both (one was given)");
    }
    boolean files = sourceFile != null;
    region = required(s, "region", files ? "us-east-1" : null);
    sourceStream = required(s, "sourceStream", files ? "file" : null);
    sinkStream = required(s, "sinkStream", files ? "file" : null);
    initialPosition = s.getOrDefault("initialPosition", "TRIM_HORIZON");
    if (!POSITIONS.contains(initialPosition)) {
      throw new SettingException("initialPosition", "must be one of " + POSITIONS + ", got \"" + initialPosition + "\"");
    }
    initialTimestamp = s.get("initialTimestamp");
    if ("AT_TIMESTAMP".equals(initialPosition) && initialTimestamp == null) {
      throw new SettingException("initialTimestamp", "is required when initialPosition is AT_TIMESTAMP");
    }
    allowedLatenessSeconds = integer(s, "allowedLatenessSeconds", 30, 0, 3600);
    parallelism = integer(s, "parallelism", local ? 1 : -1, -1, 1024);
    restPort = integer(s, "restPort", -1, -1, 65535);
    endpoint = s.get("endpoint");
    if (endpoint != null && !endpoint.matches("^https?://[^\\s']+$")) {
      throw new SettingException("endpoint", "must be an http(s) URL, got \"" + endpoint + "\"");
    }
    String from = s.getOrDefault("windowsFrom", "1970-01-01T00:00:00Z");
    try {
      windowsFromMillis = java.time.Instant.parse(from).toEpochMilli();
    } catch (java.time.format.DateTimeParseException e) {
      throw new SettingException("windowsFrom", "must be an ISO-8601 instant like 2026-12-02T10:15:00Z, got \"" + from + "\"");
    }
    savepointPath = s.get("savepointPath");
    allowNonRestoredState = bool(s, "allowNonRestoredState");
    planOnly = bool(s, "planOnly");
    accessKeyId = endpoint == null ? null : s.getOrDefault("accessKeyId", "local");
    secretAccessKey = endpoint == null ? null : s.getOrDefault("secretAccessKey", "local");
  }

  static JobSettings load(String[] args) throws IOException {
    Map<String, String> settings = new HashMap<>();
    if (args.length == 0) {
      Map<String, Properties> groups = KinesisAnalyticsRuntime.getApplicationProperties();
      Properties group = groups == null ? null : groups.get(PROPERTY_GROUP);
      if (group == null) {
        throw new SettingException(PROPERTY_GROUP, "no such runtime property group, and no arguments were given");
      }
      for (String name : group.stringPropertyNames()) settings.put(name, group.getProperty(name));
    }
    for (int i = 0; i < args.length; i += 2) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new SettingException(args[i], "arguments come in pairs: --name value");
      }
      settings.put(args[i].substring(2), args[i + 1]);
    }
    for (String name : settings.keySet()) {
      if (!KNOWN.contains(name)) throw new SettingException(name, "unknown setting (known: " + KNOWN + ")");
    }
    return new JobSettings(settings, args.length > 0);
  }

  /** Values of the SQL's ${name} placeholders. */
  Map<String, String> placeholders() {
    Map<String, String> v = new HashMap<>();
    v.put("aws.region", SqlScript.literal(region));
    v.put("booking.stream", SqlScript.literal(sourceStream));
    v.put("insights.stream", SqlScript.literal(sinkStream));
    // The Kinesis emulators misread the shaded SDK v1's AT_TIMESTAMP (milliseconds taken for seconds:
    // "Timestamp cannot be in the future"), so against an emulator the job reads from the start instead, a
    // superset: windowsFrom still keeps out every window it sees only in part (docs/flink.md).
    boolean emulatedTimestamp = endpoint != null && "AT_TIMESTAMP".equals(initialPosition);
    v.put("booking.initial.position", emulatedTimestamp ? "TRIM_HORIZON" : initialPosition);
    v.put("allowed.lateness.seconds", Integer.toString(allowedLatenessSeconds));
    v.put("windows.from.millis", Long.toString(windowsFromMillis));
    v.put(
        "kinesis.source.options",
        initialTimestamp == null || emulatedTimestamp ? "" : option("scan.stream.initpos.timestamp", initialTimestamp)
            + option("scan.stream.initpos.timestamp.format", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"));
    // On AWS the application's role signs every call; locally an emulator takes any static key.
    v.put(
        "kinesis.client.options",
        endpoint == null
            ? ""
            : option("aws.endpoint", endpoint)
                + option("aws.credentials.provider", "BASIC")
                + option("aws.credentials.basic.accesskeyid", accessKeyId)
                + option("aws.credentials.basic.secretkey", secretAccessKey));
    // The emulators speak HTTP/1.1 only; the sink's SDK v2 client defaults to HTTP/2.
    v.put("kinesis.sink.options", endpoint == null ? "" : option("aws.http.protocol.version", "HTTP1_1"));
    return v;
  }

  private static String option(String key, String value) {
    return "'" + key + "' = '" + SqlScript.literal(value) + "',\n  ";
  }

  private static String required(Map<String, String> s, String name, String fallback) {
    String v = s.get(name);
    if (v == null || v.isBlank()) {
      if (fallback != null) return fallback;
      throw new SettingException(name, "is required");
    }
    return v;
  }

  private static boolean bool(Map<String, String> s, String name) {
    String v = s.getOrDefault(name, "false");
    if (!v.equals("true") && !v.equals("false")) {
      throw new SettingException(name, "must be true or false, got \"" + v + "\"");
    }
    return v.equals("true");
  }

  private static int integer(Map<String, String> s, String name, int fallback, int min, int max) {
    String v = s.get(name);
    if (v == null) return fallback;
    try {
      int n = Integer.parseInt(v.trim());
      if (n < min || n > max) throw new NumberFormatException();
      return n;
    } catch (NumberFormatException e) {
      throw new SettingException(name, "must be a whole number from " + min + " to " + max + ", got \"" + v + "\"");
    }
  }

  /** A setting that stops the start, with its name. */
  static final class SettingException extends IllegalArgumentException {
    SettingException(String name, String problem) {
      super("flightpulse insights: setting " + name + " " + problem);
    }
  }
}
