-- The events the insights count: searches and bookings whose fields the insights read are valid by the
-- event contract (version 1, IATA codes, distinct airports, 1-9 seats or passengers, a known channel,
-- a booking reference, an occurredAt with an offset). Flink checks only these fields; the workers reject a
-- record for any defect, so a record whose only defect lies elsewhere (an unknown currency, an extra field)
-- is counted here and rejected there. docs/flink.md lists the difference.
--
-- Every INSERT keeps only windows starting at or after the windowsFrom setting (the epoch unless a deploy
-- that reset the state re-reads the stream from before its stop: `flightpulse flink deploy
-- --allow-state-reset`, docs/flink.md), so a window seen only in part is never emitted.
CREATE TEMPORARY VIEW valid_events AS
SELECT
  `type`,
  `origin`,
  `destination`,
  `origin` || '-' || `destination` AS route,
  CASE WHEN `type` = 'booking.created' THEN `seats` ELSE 0 END AS seats,
  `channel`,
  `event_time`
FROM booking_events
WHERE `version` = 1
  AND `event_time` > TO_TIMESTAMP_LTZ(0, 3)
  AND `eventId` IS NOT NULL
  AND REGEXP(`origin`, '^[A-Z]{3}$')
  AND REGEXP(`destination`, '^[A-Z]{3}$')
  AND `origin` <> `destination`
  AND `channel` IN ('web', 'mobile', 'api')
  AND (
    (`type` = 'search.performed' AND `passengers` BETWEEN 1 AND 9)
    OR (`type` = 'booking.created' AND `seats` BETWEEN 1 AND 9 AND REGEXP(`bookingRef`, '^[A-Z0-9]{6}$'))
  );
