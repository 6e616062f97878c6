-- Query 0: pass-through of bids. As nexmark/nexmark q0.sql (not in the original suite).
CREATE TABLE nexmark_q0 (
    auction     BIGINT,
    bidder      BIGINT,
    price       BIGINT,
    `dateTime`  TIMESTAMP(3),
    extra       STRING
) WITH (
    ${SINK_WITH}
);

INSERT INTO nexmark_q0
SELECT auction, bidder, price, `dateTime`, extra FROM bid;
