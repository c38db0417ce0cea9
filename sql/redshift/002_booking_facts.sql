-- Booking and cancellation facts, one row per event (event_id is the de-duplication key).
CREATE TABLE IF NOT EXISTS booking_facts (
  event_id        VARCHAR(128)  NOT NULL ENCODE zstd,
  booking_ref     CHAR(6)       NOT NULL ENCODE zstd,
  flight          VARCHAR(24)   NOT NULL ENCODE zstd,
  route           VARCHAR(7)    NOT NULL ENCODE zstd,
  cabin           VARCHAR(16)   NOT NULL ENCODE zstd,
  seats           SMALLINT      NOT NULL ENCODE az64,
  fare_amount     DECIMAL(12,2) NOT NULL ENCODE az64,
  fare_currency   CHAR(3)       NOT NULL ENCODE zstd,
  channel         VARCHAR(8)    NOT NULL ENCODE zstd,
  occurred_at     TIMESTAMP     NOT NULL ENCODE az64,
  shard_id        VARCHAR(64)   NOT NULL ENCODE zstd,
  sequence_number VARCHAR(128)  NOT NULL ENCODE zstd,
  PRIMARY KEY (event_id)
) DISTKEY (flight) SORTKEY (occurred_at);

CREATE TABLE IF NOT EXISTS cancellation_facts (
  event_id        VARCHAR(128)  NOT NULL ENCODE zstd,
  booking_ref     CHAR(6)       NOT NULL ENCODE zstd,
  flight          VARCHAR(24)   NOT NULL ENCODE zstd,
  route           VARCHAR(7)    NOT NULL ENCODE zstd,
  cabin           VARCHAR(16)   NOT NULL ENCODE zstd,
  seats           SMALLINT      NOT NULL ENCODE az64,
  refund_amount   DECIMAL(12,2)          ENCODE az64,
  refund_currency CHAR(3)                ENCODE zstd,
  occurred_at     TIMESTAMP     NOT NULL ENCODE az64,
  shard_id        VARCHAR(64)   NOT NULL ENCODE zstd,
  sequence_number VARCHAR(128)  NOT NULL ENCODE zstd,
  PRIMARY KEY (event_id)
) DISTKEY (flight) SORTKEY (occurred_at);
