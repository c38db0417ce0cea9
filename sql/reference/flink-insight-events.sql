-- Reference batch computation of the Flink insights (sql/flink), written independently of Flink from the
-- same definitions: the MiniCluster test and `npm run bench flink` run it in DuckDB over the very lines
-- the job reads and expect the very same rows. This file prepares the events; flink-*.sql aggregate them.
--
-- Input: raw(seq, doc), one line of the stream per row in delivery order. Parameter: :lateness_ms.
--
-- Definitions:
-- - A line that is not JSON is skipped. Event time is occurredAt when it matches the contract's timestamp
--   pattern and names a real instant, truncated to the millisecond; otherwise the line has none.
-- - The watermark before a line is the largest event time of the lines delivered before it, minus the
--   allowed lateness (every line with an event time counts, valid event or not: the watermark is taken
--   where the stream is read).
-- - A window counts an event when the window contains the event's time and ends after the watermark
--   before the event (a window that had already closed does not take it back).
-- - Counted events are version-1 searches and bookings with a valid eventId, IATA origin and destination
--   that differ, a known channel, 1-9 passengers (searches) or 1-9 seats and a booking reference (bookings).
CREATE OR REPLACE TEMP TABLE insight_events AS
WITH parsed AS (
  SELECT seq, json_transform(doc, '{"eventId":"VARCHAR","type":"VARCHAR","version":"INTEGER",
    "occurredAt":"VARCHAR","bookingRef":"VARCHAR","origin":"VARCHAR","destination":"VARCHAR",
    "seats":"INTEGER","passengers":"INTEGER","channel":"VARCHAR"}') AS d
  FROM raw
  WHERE json_valid(doc) AND json_type(doc) = 'OBJECT'
),
timed AS (
  SELECT seq, d.*,
    CASE WHEN regexp_full_match(d.occurredAt,
        '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})')
      THEN epoch_ms(TRY_CAST(
        regexp_replace(regexp_replace(d.occurredAt, '^(.{16})(Z|[+-])', '\1:00\2'), '(\.[0-9]{3})[0-9]+', '\1')
        AS TIMESTAMPTZ))
    END AS event_ms
  FROM parsed
),
watermarked AS (
  SELECT *,
    max(event_ms) OVER (ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) - :lateness_ms
      AS watermark_before
  FROM timed
)
SELECT
  seq, type, origin, destination, origin || '-' || destination AS route, channel,
  CASE WHEN type = 'booking.created' THEN seats ELSE 0 END AS seats,
  event_ms, watermark_before
FROM watermarked
WHERE version = 1
  AND event_ms IS NOT NULL
  AND eventId IS NOT NULL
  AND regexp_full_match(origin, '[A-Z]{3}')
  AND regexp_full_match(destination, '[A-Z]{3}')
  AND origin <> destination
  AND channel IN ('web', 'mobile', 'api')
  AND (
    (type = 'search.performed' AND passengers BETWEEN 1 AND 9)
    OR (type = 'booking.created' AND seats BETWEEN 1 AND 9 AND regexp_full_match(bookingRef, '[A-Z0-9]{6}'))
  );
