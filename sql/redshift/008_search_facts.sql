-- Searches, one row per event: with booking_facts, look-to-book by channel, cabin and how far ahead
-- customers search; and the count that reconciles a replay (events in = facts + rejected).
CREATE TABLE IF NOT EXISTS search_facts (
  event_id         VARCHAR(128) NOT NULL ENCODE zstd,
  route            VARCHAR(7)   NOT NULL ENCODE zstd,
  departure_date   DATE         NOT NULL ENCODE az64,
  passengers       SMALLINT     NOT NULL ENCODE az64,
  cabin            VARCHAR(16)  NOT NULL ENCODE zstd,
  channel          VARCHAR(8)   NOT NULL ENCODE zstd,
  occurred_at      TIMESTAMP    NOT NULL ENCODE az64,
  shard_id         VARCHAR(64)  NOT NULL ENCODE zstd,
  sequence_number  VARCHAR(128) NOT NULL ENCODE zstd,
  PRIMARY KEY (event_id)
) DISTKEY (route) SORTKEY (occurred_at);
