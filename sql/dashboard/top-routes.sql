-- The dashboard's top routes now: each route's newest sliding window (its parts from several shards, around
-- a reshard, summed), busiest first.
WITH windows AS (
  SELECT route, window_start, window_end,
         SUM(searches) AS searches, SUM(bookings) AS bookings, SUM(seats_booked) AS seats_booked,
         SUM(revenue) AS revenue
  FROM route_windows
  GROUP BY route, window_start, window_end
),
newest AS (
  SELECT route, max(window_end) AS window_end FROM windows GROUP BY route
)
SELECT w.route, w.window_start, w.window_end, w.searches, w.bookings, w.seats_booked, w.revenue
FROM windows w JOIN newest n ON n.route = w.route AND n.window_end = w.window_end
WHERE w.window_end > (SELECT max(window_end) FROM windows) - INTERVAL '5 minutes'
ORDER BY w.seats_booked DESC, w.route
LIMIT :limit;
