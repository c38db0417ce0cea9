-- Closed panes (tumbling, per route) and sliding demand windows, as the analytics emit them.
CREATE TABLE IF NOT EXISTS route_panes (
  route            VARCHAR(7)    NOT NULL ENCODE zstd,
  pane_start       TIMESTAMP     NOT NULL ENCODE az64,
  pane_end         TIMESTAMP     NOT NULL ENCODE az64,
  searches         INTEGER       NOT NULL ENCODE az64,
  bookings         INTEGER       NOT NULL ENCODE az64,
  seats_booked     INTEGER       NOT NULL ENCODE az64,
  cancellations    INTEGER       NOT NULL ENCODE az64,
  seats_cancelled  INTEGER       NOT NULL ENCODE az64,
  net_seats        INTEGER       NOT NULL ENCODE az64,
  revenue          DECIMAL(14,2) NOT NULL ENCODE az64,
  look_to_book     DECIMAL(9,6)           ENCODE az64,
  PRIMARY KEY (route, pane_start)
) DISTKEY (route) SORTKEY (pane_start);

CREATE TABLE IF NOT EXISTS route_windows (
  route          VARCHAR(7)    NOT NULL ENCODE zstd,
  window_start   TIMESTAMP     NOT NULL ENCODE az64,
  window_end     TIMESTAMP     NOT NULL ENCODE az64,
  searches       INTEGER       NOT NULL ENCODE az64,
  bookings       INTEGER       NOT NULL ENCODE az64,
  seats_booked   INTEGER       NOT NULL ENCODE az64,
  revenue        DECIMAL(14,2) NOT NULL ENCODE az64,
  PRIMARY KEY (route, window_start)
) DISTKEY (route) SORTKEY (window_start);

CREATE TABLE IF NOT EXISTS route_channel_panes (
  route       VARCHAR(7) NOT NULL ENCODE zstd,
  pane_start  TIMESTAMP  NOT NULL ENCODE az64,
  channel     VARCHAR(8) NOT NULL ENCODE zstd,
  searches    INTEGER    NOT NULL ENCODE az64,
  bookings    INTEGER    NOT NULL ENCODE az64,
  PRIMARY KEY (route, pane_start, channel)
) DISTKEY (route) SORTKEY (pane_start);
