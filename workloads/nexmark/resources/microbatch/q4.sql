-- q4 over every event received so far; the runner emits the categories whose row changed.
-- AVG of BIGINT as Flink computes it: a BIGINT, truncating division. Divided as doubles and
-- truncated, so it holds whether prices arrive as BIGINT or as DOUBLE (Flock's Arrow payloads,
-- where `//` divides doubles without truncating); exact while sums stay below 2^53.
SELECT category, CAST(TRUNC(SUM(final) / COUNT(*)) AS BIGINT) AS avg_final, MAX(last_bid) AS "dateTime"
FROM (
    SELECT A.id, A.category, MAX(B.price) AS final, MAX(B."dateTime") AS last_bid
    FROM auction A JOIN bid B ON A.id = B.auction
    WHERE B."dateTime" BETWEEN A."dateTime" AND A.expires
    GROUP BY A.id, A.category
) Q
GROUP BY category;
