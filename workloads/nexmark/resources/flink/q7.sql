-- Query 7: highest bids per tumbling window. From nexmark/nexmark q7.sql with two corrections
-- (docs/workloads/nexmark.md): the SELECT lists bidder and price in the sink's order (the original
-- wrote the price into `bidder` and the bidder into `price`), and a bid belongs to the window
-- [starttime, endtime) as in Beam's Query7 (the original's BETWEEN also matched a bid at exactly
-- the next window's first millisecond). The window's bounds are added to the output.
CREATE TABLE nexmark_q7 (
    auction     BIGINT,
    bidder      BIGINT,
    price       BIGINT,
    `dateTime`  TIMESTAMP(3),
    extra       STRING,
    starttime   TIMESTAMP(3),
    endtime     TIMESTAMP(3)
) WITH (
    ${SINK_WITH}
);

INSERT INTO nexmark_q7
SELECT B.auction, B.bidder, B.price, B.`dateTime`, B.extra, B1.starttime, B1.endtime
FROM bid B
JOIN (
    SELECT MAX(price) AS maxprice, window_start AS starttime, window_end AS endtime
    FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), ${interval:windowSizeMs}))
    GROUP BY window_start, window_end
) B1
ON B.price = B1.maxprice
WHERE B.`dateTime` >= B1.starttime AND B.`dateTime` < B1.endtime;
