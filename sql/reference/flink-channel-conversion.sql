-- Reference for sql/flink/05_channel_conversion.sql over insight_events (flink-insight-events.sql): per
-- sales channel per 5-minute tumbling window. Times in epoch ms.
WITH windowed AS (
  SELECT *, (event_ms // 300000) * 300000 AS window_start
  FROM insight_events
)
SELECT
  window_start, window_start + 300000 AS window_end, channel,
  count(*) FILTER (WHERE type = 'search.performed') AS searches,
  count(*) FILTER (WHERE type = 'booking.created') AS bookings,
  sum(seats) AS seats,
  CASE WHEN count(*) FILTER (WHERE type = 'search.performed') = 0 THEN NULL
    ELSE count(*) FILTER (WHERE type = 'booking.created')::DOUBLE / count(*) FILTER (WHERE type = 'search.performed')
  END AS look_to_book
FROM windowed
WHERE watermark_before IS NULL OR window_start + 300000 > watermark_before
GROUP BY window_start, channel
ORDER BY window_start, channel;
