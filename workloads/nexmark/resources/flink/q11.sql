-- Query 11: bids per bidder session (gap 10 s by default). As nexmark/nexmark q11.sql (legacy
-- GROUP BY SESSION window: a session ends one gap after its last bid).
CREATE TABLE nexmark_q11 (
    bidder      BIGINT,
    bid_count   BIGINT,
    starttime   TIMESTAMP(3),
    endtime     TIMESTAMP(3)
) WITH (
    ${SINK_WITH}
);

INSERT INTO nexmark_q11
SELECT
    B.bidder,
    COUNT(*) AS bid_count,
    SESSION_START(B.`dateTime`, ${interval:sessionGapMs}) AS starttime,
    SESSION_END(B.`dateTime`, ${interval:sessionGapMs}) AS endtime
FROM bid B
GROUP BY B.bidder, SESSION(B.`dateTime`, ${interval:sessionGapMs});
