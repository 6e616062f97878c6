-- q5 over the bids of one hop window [WINDOW_START, WINDOW_END).
WITH counts AS (SELECT auction, COUNT(*) AS num FROM bid GROUP BY auction)
SELECT auction, num, ${WINDOW_START} AS starttime, ${WINDOW_END} AS endtime
FROM counts
WHERE num = (SELECT MAX(num) FROM counts);
