-- q11 over every bid not yet in a closed session. Bids of one bidder at most sessionGapMs apart
-- share a session (Flink merges windows that touch); a session ends sessionGapMs after its last bid.
-- The runner emits the sessions with endtime - 1 <= watermark and keeps the bids of the others.
WITH marked AS (
    SELECT bidder, "dateTime",
           CASE WHEN "dateTime" - LAG("dateTime") OVER (PARTITION BY bidder ORDER BY "dateTime") <= ${sessionGapMs}
                THEN 0 ELSE 1 END AS starts_session
    FROM bid
), numbered AS (
    SELECT bidder, "dateTime",
           SUM(starts_session) OVER (PARTITION BY bidder ORDER BY "dateTime" ROWS UNBOUNDED PRECEDING) AS session_no
    FROM marked
)
SELECT bidder, COUNT(*) AS bid_count, MIN("dateTime") AS starttime, MAX("dateTime") + ${sessionGapMs} AS endtime
FROM numbered
GROUP BY bidder, session_no;
