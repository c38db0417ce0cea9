-- Seat manifest snapshots: the figures of a flight's manifest each time a batch changed it.
CREATE TABLE IF NOT EXISTS manifest_snapshots (
  flight          VARCHAR(24)  NOT NULL ENCODE zstd,
  version         INTEGER      NOT NULL ENCODE az64,
  route           VARCHAR(7)   NOT NULL ENCODE zstd,
  departure_date  DATE         NOT NULL ENCODE az64,
  capacity        INTEGER               ENCODE az64,
  seats_booked    INTEGER      NOT NULL ENCODE az64,
  load_factor     DECIMAL(7,4)          ENCODE az64,
  oversold        BOOLEAN      NOT NULL,
  snapshot_at     TIMESTAMP    NOT NULL ENCODE az64,
  PRIMARY KEY (flight, version)
) DISTKEY (flight) SORTKEY (snapshot_at);
