-- The 10 routes with the most seats booked in each 15-minute window, sliding every minute (window Top-N
-- over a HOP aggregate): rank 1 is the busiest; ties are broken by route name so the ranking is stable.
-- Only windows with bookings produce rows.
CREATE TABLE top_route_insights (
  `type` STRING,
  `version` INT,
  `windowStart` STRING,
  `windowEnd` STRING,
  `rank` INT,
  `route` STRING,
  `origin` STRING,
  `destination` STRING,
  `seats` BIGINT,
  `bookings` BIGINT
) WITH (
  ${kinesis.client.options}
  ${kinesis.sink.options}
  'connector' = 'kinesis',
  'stream' = '${insights.stream}',
  'aws.region' = '${aws.region}',
  'sink.partitioner' = 'random',
  'format' = 'json'
);

INSERT INTO top_route_insights
SELECT
  'insight.top-route',
  1,
  DATE_FORMAT(window_start, 'yyyy-MM-dd''T''HH:mm:ss''Z'''),
  DATE_FORMAT(window_end, 'yyyy-MM-dd''T''HH:mm:ss''Z'''),
  CAST(row_num AS INT),
  route,
  `origin`,
  `destination`,
  seats,
  bookings
FROM (
  SELECT *,
    ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY seats DESC, route ASC) AS row_num
  FROM (
    SELECT window_start, window_end, route, `origin`, `destination`,
      CAST(SUM(seats) AS BIGINT) AS seats,
      COUNT(*) AS bookings
    FROM TABLE(HOP(TABLE valid_events, DESCRIPTOR(`event_time`), INTERVAL '1' MINUTES, INTERVAL '15' MINUTES))
    WHERE `type` = 'booking.created'
    GROUP BY window_start, window_end, route, `origin`, `destination`
  )
)
WHERE row_num <= 10
  AND window_start >= CAST(TO_TIMESTAMP_LTZ(${windows.from.millis}, 3) AS TIMESTAMP(3));
