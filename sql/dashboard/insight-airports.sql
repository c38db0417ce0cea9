-- The dashboard's airport demand (Flink insights): the newest 5-minute window the Flink app has closed,
-- each airport's seats booked departing and arriving, busiest first.
SELECT airport,
       MIN(window_start) AS window_start, MIN(window_end) AS window_end,
       SUM(CASE WHEN direction = 'departing' THEN seats ELSE 0 END) AS departing_seats,
       SUM(CASE WHEN direction = 'arriving' THEN seats ELSE 0 END) AS arriving_seats,
       SUM(CASE WHEN direction = 'departing' THEN searches ELSE 0 END) AS searches,
       SUM(CASE WHEN direction = 'departing' THEN bookings ELSE 0 END) AS bookings
FROM airport_demand_insights
WHERE window_start = (SELECT MAX(window_start) FROM airport_demand_insights)
GROUP BY airport
ORDER BY SUM(seats) DESC, airport
LIMIT :limit;
