-- Functions the application's SQL uses, implemented in the runner jar (analytics/flink/runner).
-- parse_instant: an event's ISO-8601 `occurredAt` with any UTC offset (Z, +05:30, -08:00; seconds and up
-- to nine fraction digits optional, as the event contract allows) to the instant it names, truncated to
-- milliseconds; NULL for anything the contract's timestamp rule refuses. Flink's JSON format reads only
-- a trailing `Z` into TIMESTAMP_LTZ, and producers send local offsets.
CREATE TEMPORARY SYSTEM FUNCTION parse_instant AS 'com.flightpulse.flink.ParseInstant' LANGUAGE JAVA;
