-- Query 3: local item suggestion. As nexmark/nexmark q3.sql (a regular, unbounded join that emits
-- each match when its later side arrives), plus `dateTime`: the later of the person's and the
-- auction's times, i.e. when the match became possible, which the harness times the record by.
CREATE TABLE nexmark_q3 (
    name        STRING,
    city        STRING,
    state       STRING,
    id          BIGINT,
    `dateTime`  TIMESTAMP(3)
) WITH (
    ${SINK_WITH}
);

INSERT INTO nexmark_q3
SELECT P.name, P.city, P.state, A.id,
       GREATEST(P.`dateTime`, A.`dateTime`) AS `dateTime`
FROM auction AS A INNER JOIN person AS P ON A.seller = P.id
WHERE A.category = 10 AND (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA');
