-- Panes and windows are built per shard. Around a reshard, one route's pane (or window) can be built
-- partly by the parent shard, which closes what it has at SHARD_END, and partly by its child: each part is
-- its own row, keyed by shard, and readers sum the parts. Replays still MERGE onto their own rows.
ALTER TABLE route_panes ADD COLUMN shard_id VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE route_panes DROP CONSTRAINT route_panes_pkey;
ALTER TABLE route_panes ADD PRIMARY KEY (route, pane_start, shard_id);

ALTER TABLE route_windows ADD COLUMN shard_id VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE route_windows DROP CONSTRAINT route_windows_pkey;
ALTER TABLE route_windows ADD PRIMARY KEY (route, window_start, shard_id);

-- Same columns and types as before (the QuickSight dataset declares them), now summed over the parts.
DROP VIEW IF EXISTS qs_route_demand_24h;
CREATE VIEW qs_route_demand_24h AS
SELECT route, pane_start,
       CAST(SUM(searches) AS INTEGER) AS searches,
       CAST(SUM(bookings) AS INTEGER) AS bookings,
       CAST(SUM(seats_booked) AS INTEGER) AS seats_booked,
       CAST(SUM(revenue) AS DECIMAL(14,2)) AS revenue
FROM route_panes
WHERE pane_start >= GETDATE() - INTERVAL '24 hours'
GROUP BY route, pane_start;
