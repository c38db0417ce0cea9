-- Alerts as sent (alert_id is deterministic: a replayed surge gives the same id).
CREATE TABLE IF NOT EXISTS alerts (
  alert_id      VARCHAR(256)   NOT NULL ENCODE zstd,
  alert_type    VARCHAR(32)    NOT NULL ENCODE zstd,
  severity      VARCHAR(16)    NOT NULL ENCODE zstd,
  route         VARCHAR(7)     NOT NULL ENCODE zstd,
  flight        VARCHAR(24)             ENCODE zstd,
  window_start  TIMESTAMP      NOT NULL ENCODE az64,
  window_end    TIMESTAMP      NOT NULL ENCODE az64,
  figures       VARCHAR(4096)  NOT NULL ENCODE zstd,
  summary       VARCHAR(512)   NOT NULL ENCODE zstd,
  PRIMARY KEY (alert_id)
) DISTSTYLE EVEN SORTKEY (window_end);
