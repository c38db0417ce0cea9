-- The one source: the booking-events stream, one JSON event per record (analytics/events is the contract).
-- Only the fields the insights read are declared; the JSON format ignores the rest. A record that is not
-- JSON is skipped (json.ignore-parse-errors); one with a malformed field reads that field as NULL and is
-- filtered out by valid_events.
--
-- Event time is `occurredAt`. A record without a valid one gets the epoch (1970-01-01) instead: a NULL
-- rowtime fails the whole job, and the epoch can neither move the watermark nor be counted (valid_events
-- drops it). The watermark trails the newest event time by the workers' allowed lateness
-- (FLIGHTPULSE_ALLOWED_LATENESS_SECONDS, passed as ${allowed.lateness.seconds}) plus one millisecond, so an
-- event is late in Flink exactly when it is late in the workers: when the one-minute pane it falls in ended
-- at or before (newest event time - lateness). Flink fires a window when watermark >= end - 1 ms.
CREATE TABLE booking_events (
  `eventId` STRING,
  `type` STRING,
  `version` INT,
  `occurredAt` STRING,
  `bookingRef` STRING,
  `origin` STRING,
  `destination` STRING,
  `seats` INT,
  `passengers` INT,
  `channel` STRING,
  `event_time` AS COALESCE(parse_instant(`occurredAt`), TO_TIMESTAMP_LTZ(0, 3)),
  WATERMARK FOR `event_time` AS `event_time` - INTERVAL '${allowed.lateness.seconds}' SECOND - INTERVAL '0.001' SECOND
) WITH (
  ${kinesis.client.options}
  ${kinesis.source.options}
  'connector' = 'kinesis',
  'stream' = '${booking.stream}',
  'aws.region' = '${aws.region}',
  'scan.stream.initpos' = '${booking.initial.position}',
  'format' = 'json',
  'json.ignore-parse-errors' = 'true'
);
