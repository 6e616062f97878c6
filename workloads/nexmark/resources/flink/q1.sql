-- Query 1: currency conversion, dollars to euros at 0.908. As nexmark/nexmark q1.sql
-- (Beam's Query1Model uses price * 89 / 100 instead; see docs/workloads/nexmark.md).
CREATE TABLE nexmark_q1 (
    auction     BIGINT,
    bidder      BIGINT,
    price       DECIMAL(23, 3),
    `dateTime`  TIMESTAMP(3),
    extra       STRING
) WITH (
    ${SINK_WITH}
);

INSERT INTO nexmark_q1
SELECT auction, bidder, 0.908 * price AS price, `dateTime`, extra FROM bid;
