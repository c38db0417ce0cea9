-- Views QuickSight reads (pulumi/components/quicksight.ts declares one dataset per view, same columns).
CREATE OR REPLACE VIEW qs_route_demand_24h AS
SELECT route, pane_start, searches, bookings, seats_booked, revenue
FROM route_panes
WHERE pane_start >= GETDATE() - INTERVAL '24 hours';

CREATE OR REPLACE VIEW qs_top_routes_now AS
SELECT route, bookings, seats_booked, revenue,
       CAST(RANK() OVER (ORDER BY bookings DESC, route) AS INTEGER) AS rank
FROM (
  SELECT route, SUM(bookings) AS bookings, SUM(seats_booked) AS seats_booked, SUM(revenue) AS revenue
  FROM route_panes
  WHERE pane_start >= GETDATE() - INTERVAL '1 hour'
  GROUP BY route
) recent;

CREATE OR REPLACE VIEW qs_load_factor_by_flight AS
SELECT f.flight, f.route,
       CAST(f.departure_date - CURRENT_DATE AS INTEGER) AS days_to_departure,
       f.capacity,
       COALESCE(s.seats_booked, 0) AS seats_booked,
       CAST(COALESCE(s.seats_booked, 0) AS DECIMAL(9,4)) / f.capacity AS load_factor
FROM flights f
LEFT JOIN (
  SELECT flight, seats_booked,
         ROW_NUMBER() OVER (PARTITION BY flight ORDER BY version DESC) AS newest
  FROM manifest_snapshots
) s ON s.flight = f.flight AND s.newest = 1;

CREATE OR REPLACE VIEW qs_look_to_book_by_channel AS
SELECT channel, DATE_TRUNC('day', pane_start) AS day,
       SUM(searches) AS searches, SUM(bookings) AS bookings,
       CASE WHEN SUM(searches) = 0 THEN NULL
            ELSE CAST(SUM(bookings) AS DECIMAL(12,6)) / SUM(searches) END AS look_to_book
FROM route_channel_panes
GROUP BY channel, DATE_TRUNC('day', pane_start);

CREATE OR REPLACE VIEW qs_alert_history AS
SELECT alert_id, alert_type, severity, route, window_end
FROM alerts;
