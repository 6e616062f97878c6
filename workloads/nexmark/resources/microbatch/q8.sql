-- q8 over the people and auctions of one tumbling window [WINDOW_START, WINDOW_END).
SELECT DISTINCT P.id, P.name, ${WINDOW_START} AS starttime, ${WINDOW_END} AS endtime
FROM person P
WHERE P.id IN (SELECT seller FROM auction);
