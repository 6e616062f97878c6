-- Query 12: bids per bidder in processing-time tumbling windows (10 s by default). As
-- nexmark/nexmark q12.sql. The window bounds are wall-clock (processing) time.
CREATE TABLE nexmark_q12 (
    bidder      BIGINT,
    bid_count   BIGINT,
    starttime   TIMESTAMP(3),
    endtime     TIMESTAMP(3)
) WITH (
    ${SINK_WITH}
);

CREATE VIEW B AS SELECT *, PROCTIME() AS p_time FROM bid;

INSERT INTO nexmark_q12
SELECT bidder, COUNT(*) AS bid_count, window_start AS starttime, window_end AS endtime
FROM TABLE(TUMBLE(TABLE B, DESCRIPTOR(p_time), ${interval:windowSizeMs}))
GROUP BY bidder, window_start, window_end;
