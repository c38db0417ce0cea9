-- Cross-route insights from the Managed Flink SQL app (sql/flink), loaded by the insight consumers from
-- the demand-insights stream. One row per window and key; the Flink sink is at-least-once, so the loader
-- MERGEs on the primary key and a re-emitted row replaces itself.
CREATE TABLE IF NOT EXISTS airport_demand_insights (
  window_start  TIMESTAMP     NOT NULL ENCODE az64,
  window_end    TIMESTAMP     NOT NULL ENCODE az64,
  airport       CHAR(3)       NOT NULL ENCODE zstd,
  direction     VARCHAR(9)    NOT NULL ENCODE zstd,
  searches      INTEGER       NOT NULL ENCODE az64,
  bookings      INTEGER       NOT NULL ENCODE az64,
  seats         INTEGER       NOT NULL ENCODE az64,
  look_to_book  DECIMAL(12,6)          ENCODE az64,
  PRIMARY KEY (window_start, airport, direction)
) DISTSTYLE EVEN SORTKEY (window_start);

CREATE TABLE IF NOT EXISTS top_route_insights (
  window_start  TIMESTAMP     NOT NULL ENCODE az64,
  window_end    TIMESTAMP     NOT NULL ENCODE az64,
  rank          SMALLINT      NOT NULL ENCODE az64,
  route         VARCHAR(7)    NOT NULL ENCODE zstd,
  origin        CHAR(3)       NOT NULL ENCODE zstd,
  destination   CHAR(3)       NOT NULL ENCODE zstd,
  seats         INTEGER       NOT NULL ENCODE az64,
  bookings      INTEGER       NOT NULL ENCODE az64,
  PRIMARY KEY (window_end, route)
) DISTSTYLE EVEN SORTKEY (window_end);

CREATE TABLE IF NOT EXISTS channel_conversion_insights (
  window_start  TIMESTAMP     NOT NULL ENCODE az64,
  window_end    TIMESTAMP     NOT NULL ENCODE az64,
  channel       VARCHAR(8)    NOT NULL ENCODE zstd,
  searches      INTEGER       NOT NULL ENCODE az64,
  bookings      INTEGER       NOT NULL ENCODE az64,
  seats         INTEGER       NOT NULL ENCODE az64,
  look_to_book  DECIMAL(12,6)          ENCODE az64,
  PRIMARY KEY (window_start, channel)
) DISTSTYLE EVEN SORTKEY (window_start);

-- QuickSight (pulumi/components/quicksight.ts declares one dataset per view, same columns).
CREATE OR REPLACE VIEW qs_airport_demand_24h AS
SELECT airport, direction, window_start, searches, bookings, seats, look_to_book
FROM airport_demand_insights
WHERE window_start >= GETDATE() - INTERVAL '24 hours';

CREATE OR REPLACE VIEW qs_top_routes_latest_window AS
SELECT t.rank, t.route, t.seats, t.bookings, t.window_start, t.window_end
FROM top_route_insights t
WHERE t.window_end = (SELECT MAX(window_end) FROM top_route_insights);

CREATE OR REPLACE VIEW qs_channel_conversion_24h AS
SELECT channel, window_start, searches, bookings, seats, look_to_book
FROM channel_conversion_insights
WHERE window_start >= GETDATE() - INTERVAL '24 hours';
