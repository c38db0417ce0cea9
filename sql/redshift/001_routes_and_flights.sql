-- Routes and flights: the dimensions the facts and panes refer to.
CREATE TABLE IF NOT EXISTS routes (
  route        VARCHAR(7)  NOT NULL ENCODE zstd,
  origin       CHAR(3)     NOT NULL ENCODE zstd,
  destination  CHAR(3)     NOT NULL ENCODE zstd,
  updated_at   TIMESTAMP   NOT NULL ENCODE az64,
  PRIMARY KEY (route)
) DISTSTYLE ALL SORTKEY (route);

CREATE TABLE IF NOT EXISTS flights (
  flight          VARCHAR(24) NOT NULL ENCODE zstd,
  flight_number   VARCHAR(8)  NOT NULL ENCODE zstd,
  departure_date  DATE        NOT NULL ENCODE az64,
  route           VARCHAR(7)  NOT NULL ENCODE zstd,
  departure_time  TIMESTAMP   NOT NULL ENCODE az64,
  arrival_time    TIMESTAMP   NOT NULL ENCODE az64,
  capacity        INTEGER     NOT NULL ENCODE az64,
  aircraft_type   VARCHAR(4)           ENCODE zstd,
  event_id        VARCHAR(128) NOT NULL ENCODE zstd,
  occurred_at     TIMESTAMP   NOT NULL ENCODE az64,
  PRIMARY KEY (flight)
) DISTKEY (flight) SORTKEY (departure_date, route);
