-- YSB over the events of one tumbling window [WINDOW_START, WINDOW_END), in table ad_events
-- (the event model's columns), joined with table campaigns (c_ad_id, campaign_id): the static
-- ad -> campaign map, campaignTable() in @streamscore/workload-ysb, as Flock ships it with each batch.
SELECT c.campaign_id, ${WINDOW_START} AS window_start, ${WINDOW_END} AS window_end, COUNT(*) AS seen_count
FROM ad_events e JOIN campaigns c ON e.ad_id = c.c_ad_id
WHERE e.event_type = 'view'
GROUP BY c.campaign_id;
