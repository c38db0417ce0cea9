-- The dashboard's top routes (Flink insights): the 10 routes of the newest 15-minute window the Flink app
-- has closed, in rank order.
SELECT rank, route, seats, bookings, window_start, window_end
FROM top_route_insights
WHERE window_end = (SELECT MAX(window_end) FROM top_route_insights)
ORDER BY rank;
