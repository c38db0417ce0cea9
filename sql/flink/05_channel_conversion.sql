-- Network look-to-book per sales channel (web, mobile, api) per 5-minute tumbling window: searches,
-- bookings, seats booked and bookings / searches over every route at once (NULL when nobody searched).
CREATE TABLE channel_conversion_insights (
  `type` STRING,
  `version` INT,
  `windowStart` STRING,
  `windowEnd` STRING,
  `channel` STRING,
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

INSERT INTO channel_conversion_insights
SELECT
  'insight.channel-conversion',
  1,
  DATE_FORMAT(window_start, 'yyyy-MM-dd''T''HH:mm:ss''Z'''),
  DATE_FORMAT(window_end, 'yyyy-MM-dd''T''HH:mm:ss''Z'''),
  `channel`,
  searches,
  bookings,
  seats,
  CASE WHEN searches = 0 THEN CAST(NULL AS DOUBLE) ELSE CAST(bookings AS DOUBLE) / searches END
FROM (
  SELECT window_start, window_end, `channel`,
    COUNT(*) FILTER (WHERE `type` = 'search.performed') AS searches,
    COUNT(*) FILTER (WHERE `type` = 'booking.created') AS bookings,
    CAST(SUM(seats) AS BIGINT) AS seats
  FROM TABLE(TUMBLE(TABLE valid_events, DESCRIPTOR(`event_time`), INTERVAL '5' MINUTES))
  GROUP BY window_start, window_end, `channel`
)
WHERE window_start >= CAST(TO_TIMESTAMP_LTZ(${windows.from.millis}, 3) AS TIMESTAMP(3));
