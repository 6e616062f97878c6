-- Query 5: hot items, the auctions with the most bids per sliding window. As nexmark/nexmark
-- q5.sql (HOP of 10 s sliding by 2 s by default), plus the window's bounds in the output so each
-- record names its window.
CREATE TABLE nexmark_q5 (
    auction     BIGINT,
    num         BIGINT,
    starttime   TIMESTAMP(3),
    endtime     TIMESTAMP(3)
) WITH (
    ${SINK_WITH}
);

INSERT INTO nexmark_q5
SELECT AuctionBids.auction, AuctionBids.num, AuctionBids.starttime, AuctionBids.endtime
FROM (
    SELECT auction, COUNT(*) AS num, window_start AS starttime, window_end AS endtime
    FROM TABLE(HOP(TABLE bid, DESCRIPTOR(`dateTime`), ${interval:windowSlideMs}, ${interval:windowSizeMs}))
    GROUP BY auction, window_start, window_end
) AS AuctionBids
JOIN (
    SELECT MAX(CountBids.num) AS maxn, CountBids.starttime, CountBids.endtime
    FROM (
        SELECT COUNT(*) AS num, window_start AS starttime, window_end AS endtime
        FROM TABLE(HOP(TABLE bid, DESCRIPTOR(`dateTime`), ${interval:windowSlideMs}, ${interval:windowSizeMs}))
        GROUP BY auction, window_start, window_end
    ) AS CountBids
    GROUP BY CountBids.starttime, CountBids.endtime
) AS MaxBids
ON AuctionBids.starttime = MaxBids.starttime
   AND AuctionBids.endtime = MaxBids.endtime
   AND AuctionBids.num >= MaxBids.maxn;
