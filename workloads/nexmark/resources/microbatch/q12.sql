-- q12 over the bids of one processing-time window [WINDOW_START, WINDOW_END) (wall clock).
SELECT bidder, COUNT(*) AS bid_count, ${WINDOW_START} AS starttime, ${WINDOW_END} AS endtime
FROM bid
GROUP BY bidder;
