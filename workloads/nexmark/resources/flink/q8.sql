-- Query 8: monitor new users, the people who opened auctions in the tumbling window in which
-- they registered. As nexmark/nexmark q8.sql (a window join), with the window's end added to the
-- output (the original emitted id, name and the window's start).
CREATE TABLE nexmark_q8 (
    id          BIGINT,
    name        STRING,
    starttime   TIMESTAMP(3),
    endtime     TIMESTAMP(3)
) WITH (
    ${SINK_WITH}
);

INSERT INTO nexmark_q8
SELECT P.id, P.name, P.starttime, P.endtime
FROM (
    SELECT id, name, window_start AS starttime, window_end AS endtime
    FROM TABLE(TUMBLE(TABLE person, DESCRIPTOR(`dateTime`), ${interval:windowSizeMs}))
    GROUP BY id, name, window_start, window_end
) P
JOIN (
    SELECT seller, window_start AS starttime, window_end AS endtime
    FROM TABLE(TUMBLE(TABLE auction, DESCRIPTOR(`dateTime`), ${interval:windowSizeMs}))
    GROUP BY seller, window_start, window_end
) A
ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime = A.endtime;
