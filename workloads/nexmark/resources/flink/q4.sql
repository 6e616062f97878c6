-- Query 4: average winning price per category. As nexmark/nexmark q4.sql: a regular join and two
-- aggregations, so an updating result keyed by category. AVG over BIGINT is a BIGINT (truncating
-- division) in Flink; kept. Added: `dateTime`, the latest qualifying bid's time in the category,
-- which the harness times each update by. The sink names the columns (the original sink called
-- the category `id` and the average `final`).
CREATE TABLE nexmark_q4 (
    category    BIGINT,
    avg_final   BIGINT,
    `dateTime`  TIMESTAMP(3),
    PRIMARY KEY (category) NOT ENFORCED
) WITH (
    ${SINK_WITH}
);

INSERT INTO nexmark_q4
SELECT Q.category, AVG(Q.final) AS avg_final, MAX(Q.last_bid) AS `dateTime`
FROM (
    SELECT MAX(B.price) AS final, A.category, MAX(B.`dateTime`) AS last_bid
    FROM auction A, bid B
    WHERE A.id = B.auction AND B.`dateTime` BETWEEN A.`dateTime` AND A.expires
    GROUP BY A.id, A.category
) Q
GROUP BY Q.category;
