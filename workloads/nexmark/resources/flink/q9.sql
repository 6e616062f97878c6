-- Query 9: the winning bid of each auction. As nexmark/nexmark q9.sql (a regular join and a
-- Top-1 per auction, so an updating result keyed by auction id; no reserve check, unlike Beam's
-- WinningBids), with a complete tie-break (bidder, then extra) so that the winner is a function of
-- the input and not of arrival order.
CREATE TABLE nexmark_q9 (
    id            BIGINT,
    itemName      STRING,
    description   STRING,
    initialBid    BIGINT,
    reserve       BIGINT,
    `dateTime`    TIMESTAMP(3),
    expires       TIMESTAMP(3),
    seller        BIGINT,
    category      BIGINT,
    extra         STRING,
    auction       BIGINT,
    bidder        BIGINT,
    price         BIGINT,
    bid_dateTime  TIMESTAMP(3),
    bid_extra     STRING,
    PRIMARY KEY (id) NOT ENFORCED
) WITH (
    ${SINK_WITH}
);

INSERT INTO nexmark_q9
SELECT
    id, itemName, description, initialBid, reserve, `dateTime`, expires, seller, category, extra,
    auction, bidder, price, bid_dateTime, bid_extra
FROM (
    SELECT A.*, B.auction, B.bidder, B.price, B.`dateTime` AS bid_dateTime, B.extra AS bid_extra,
        ROW_NUMBER() OVER (
            PARTITION BY A.id
            ORDER BY B.price DESC, B.`dateTime` ASC, B.bidder ASC, B.extra ASC
        ) AS rownum
    FROM auction A, bid B
    WHERE A.id = B.auction AND B.`dateTime` BETWEEN A.`dateTime` AND A.expires
)
WHERE rownum <= 1;
