-- Records the decoder refused, with the reason and the raw bytes (base64; the whole record is also in the
-- S3 raw archive under its shard and sequence number).
CREATE TABLE IF NOT EXISTS rejected_events (
  shard_id         VARCHAR(64)    NOT NULL ENCODE zstd,
  sequence_number  VARCHAR(128)   NOT NULL ENCODE zstd,
  sub_sequence     INTEGER        NOT NULL ENCODE az64,
  code             VARCHAR(32)    NOT NULL ENCODE zstd,
  reason           VARCHAR(1024)  NOT NULL ENCODE zstd,
  path             VARCHAR(256)   NOT NULL ENCODE zstd,
  raw_base64       VARCHAR(65535) NOT NULL ENCODE zstd,
  raw_bytes        INTEGER        NOT NULL ENCODE az64,
  raw_truncated    BOOLEAN        NOT NULL,
  rejected_at      TIMESTAMP      NOT NULL ENCODE az64,
  PRIMARY KEY (shard_id, sequence_number, sub_sequence)
) DISTSTYLE EVEN SORTKEY (rejected_at);
