-- q3 over every event received so far; the runner emits the rows it has not emitted before.
SELECT P.name, P.city, P.state, A.id, GREATEST(P."dateTime", A."dateTime") AS "dateTime"
FROM auction AS A JOIN person AS P ON A.seller = P.id
WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA');
