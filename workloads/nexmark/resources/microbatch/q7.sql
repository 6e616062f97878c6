-- q7 over the bids of one tumbling window [WINDOW_START, WINDOW_END).
SELECT auction, bidder, price, "dateTime", extra, ${WINDOW_START} AS starttime, ${WINDOW_END} AS endtime
FROM bid
WHERE price = (SELECT MAX(price) FROM bid);
