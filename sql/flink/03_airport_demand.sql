-- Demand per airport per 5-minute tumbling window, departing (as origin) and arriving (as destination):
-- searches, bookings, seats booked and look-to-book (bookings / searches; NULL when nobody searched).
-- No single worker can compute it: an airport's routes are spread over every shard.
CREATE TABLE airport_demand_insights (
  `type` STRING,
  `version` INT,
  `windowStart` STRING,
  `windowEnd` STRING,
  `airport` STRING,
  `direction` STRING,
  `searches` BIGINT,
  `bookings` BIGINT,
  `seats` BIGINT,
  `lookToBook` DOUBLE
) WITH (
  ${kinesis.client.options}
  ${kinesis.sink.options}
  'connector' = 'kinesis',
  'stream' = '${insights.stream}',
  'aws.region' = '${aws.region}',
  'sink.partitioner' = 'random',
  'format' = 'json'
);

INSERT INTO airport_demand_insights
SELECT
  'insight.airport-demand',
  1,
  DATE_FORMAT(window_start, 'yyyy-MM-dd''T''HH:mm:ss''Z'''),
  DATE_FORMAT(window_end, 'yyyy-MM-dd''T''HH:mm:ss''Z'''),
  airport,
  direction,
  searches,
  bookings,
  seats,
  CASE WHEN searches = 0 THEN CAST(NULL AS DOUBLE) ELSE CAST(bookings AS DOUBLE) / searches END
FROM (
  SELECT window_start, window_end, `origin` AS airport, 'departing' AS direction,
    COUNT(*) FILTER (WHERE `type` = 'search.performed') AS searches,
    COUNT(*) FILTER (WHERE `type` = 'booking.created') AS bookings,
    CAST(SUM(seats) AS BIGINT) AS seats
  FROM TABLE(TUMBLE(TABLE valid_events, DESCRIPTOR(`event_time`), INTERVAL '5' MINUTES))
  GROUP BY window_start, window_end, `origin`
  UNION ALL
  SELECT window_start, window_end, `destination` AS airport, 'arriving' AS direction,
    COUNT(*) FILTER (WHERE `type` = 'search.performed') AS searches,
    COUNT(*) FILTER (WHERE `type` = 'booking.created') AS bookings,
    CAST(SUM(seats) AS BIGINT) AS seats
  FROM TABLE(TUMBLE(TABLE valid_events, DESCRIPTOR(`event_time`), INTERVAL '5' MINUTES))
  GROUP BY window_start, window_end, `destination`
)
WHERE window_start >= CAST(TO_TIMESTAMP_LTZ(${windows.from.millis}, 3) AS TIMESTAMP(3));
