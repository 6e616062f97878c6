-- Query 2: selection of the bids on every 123rd auction. As nexmark/nexmark q2.sql, plus the
-- bid's dateTime, which the harness times the record by.
CREATE TABLE nexmark_q2 (
    auction     BIGINT,
    price       BIGINT,
    `dateTime`  TIMESTAMP(3)
) WITH (
    ${SINK_WITH}
);

INSERT INTO nexmark_q2
SELECT auction, price, `dateTime` FROM bid WHERE MOD(auction, 123) = 0;
