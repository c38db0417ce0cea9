-- Reference batch computation of the demand panes (analytics/demand), written independently of the
-- streaming operators from the same definitions: the oracle test and the benchmark run it in DuckDB over
-- the same events and expect the very same figures.
--
-- Input: events(shard_id, seq, event_time, route, type, seats, fare_amount, currency), one row per decoded
-- event, seq = delivery order within the shard; rates(currency, rate) to the reporting currency.
-- Parameters (substituted as numbers): :pane_ms, :lateness_ms.
--
-- Definitions: an event's pane is [floor(t / pane) × pane, + pane). The shard's watermark before an event
-- is the largest event time delivered before it, minus the allowed lateness. An event is late, and in no
-- pane, when its pane ends at or before that watermark. Revenue is summed in minor units (× 100, rounded)
-- per currency, then converted with the rate and rounded per currency.
WITH delivered AS (
  SELECT
    *,
    (event_time // :pane_ms) * :pane_ms AS pane_start,
    max(event_time) OVER (
      PARTITION BY shard_id ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) - :lateness_ms AS watermark_before
  FROM events
),
on_time AS (
  SELECT * FROM delivered
  WHERE watermark_before IS NULL OR pane_start + :pane_ms > watermark_before
),
per_currency AS (
  SELECT route, pane_start, currency, sum(round(fare_amount * 100)) AS revenue_minor
  FROM on_time
  WHERE type = 'booking.created'
  GROUP BY route, pane_start, currency
),
revenue AS (
  SELECT
    p.route,
    p.pane_start,
    sum(CASE WHEN r.rate IS NULL THEN 0 ELSE round(p.revenue_minor * r.rate) END)::BIGINT AS revenue_reporting_minor
  FROM per_currency p LEFT JOIN rates r ON r.currency = p.currency
  GROUP BY p.route, p.pane_start
)
SELECT
  o.route,
  o.pane_start,
  count(*)::INTEGER AS events,
  count(*) FILTER (WHERE type = 'search.performed')::INTEGER AS searches,
  count(*) FILTER (WHERE type = 'booking.created')::INTEGER AS bookings,
  coalesce(sum(seats) FILTER (WHERE type = 'booking.created'), 0)::INTEGER AS seats_booked,
  count(*) FILTER (WHERE type = 'booking.cancelled')::INTEGER AS cancellations,
  coalesce(sum(seats) FILTER (WHERE type = 'booking.cancelled'), 0)::INTEGER AS seats_cancelled,
  coalesce(any_value(rv.revenue_reporting_minor), 0)::BIGINT AS revenue_reporting_minor
FROM on_time o LEFT JOIN revenue rv ON rv.route = o.route AND rv.pane_start = o.pane_start
GROUP BY o.route, o.pane_start
ORDER BY o.pane_start, o.route;
