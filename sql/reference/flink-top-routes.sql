-- Reference for sql/flink/04_top_routes.sql over insight_events (flink-insight-events.sql): the 10 routes
-- with the most seats booked per 15-minute window sliding by a minute; ties by route name. A booking
-- belongs to the 15 windows ending in the 15 minutes after its own minute. Times in epoch ms.
WITH bookings AS (
  SELECT * FROM insight_events WHERE type = 'booking.created'
),
windowed AS (
  SELECT b.*, ((b.event_ms // 60000) + k) * 60000 AS window_end
  FROM bookings b, range(1, 16) AS r(k)
),
per_route AS (
  SELECT window_end - 900000 AS window_start, window_end, route, any_value(origin) AS origin,
    any_value(destination) AS destination, sum(seats) AS seats, count(*) AS bookings
  FROM windowed
  WHERE watermark_before IS NULL OR window_end > watermark_before
  GROUP BY window_end, route
),
ranked AS (
  SELECT *, row_number() OVER (PARTITION BY window_end ORDER BY seats DESC, route ASC) AS rank
  FROM per_route
)
SELECT window_start, window_end, rank, route, origin, destination, seats, bookings
FROM ranked
WHERE rank <= 10
ORDER BY window_end, rank;
