-- The dashboard's demand chart: bookings per pane for the eight busiest routes of the last :minutes
-- minutes of event time (relative to the newest pane in the warehouse); a pane's parts from several shards
-- (around a reshard) are summed.
WITH recent AS (
  SELECT route, pane_start, SUM(bookings) AS bookings
  FROM route_panes
  WHERE pane_start > (SELECT max(pane_start) FROM route_panes) - (:minutes * INTERVAL '1 minute')
  GROUP BY route, pane_start
),
busiest AS (
  SELECT route FROM recent GROUP BY route ORDER BY sum(bookings) DESC, route LIMIT 8
)
SELECT r.route, r.pane_start, r.bookings
FROM recent r JOIN busiest b ON b.route = r.route
ORDER BY r.pane_start, r.route;
