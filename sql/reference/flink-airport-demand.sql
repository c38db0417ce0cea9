-- Reference for sql/flink/03_airport_demand.sql over insight_events (flink-insight-events.sql): per
-- airport, departing and arriving, per 5-minute tumbling window. Times in epoch ms.
WITH windowed AS (
  SELECT *, (event_ms // 300000) * 300000 AS window_start
  FROM insight_events
),
counted AS (
  SELECT * FROM windowed WHERE watermark_before IS NULL OR window_start + 300000 > watermark_before
),
sides AS (
  SELECT window_start, origin AS airport, 'departing' AS direction, type, seats FROM counted
  UNION ALL
  SELECT window_start, destination AS airport, 'arriving' AS direction, type, seats FROM counted
)
SELECT
  window_start, window_start + 300000 AS window_end, airport, direction,
  count(*) FILTER (WHERE type = 'search.performed') AS searches,
  count(*) FILTER (WHERE type = 'booking.created') AS bookings,
  sum(seats) AS seats,
  CASE WHEN count(*) FILTER (WHERE type = 'search.performed') = 0 THEN NULL
    ELSE count(*) FILTER (WHERE type = 'booking.created')::DOUBLE / count(*) FILTER (WHERE type = 'search.performed')
  END AS look_to_book
FROM sides
GROUP BY window_start, airport, direction
ORDER BY window_start, airport, direction;
