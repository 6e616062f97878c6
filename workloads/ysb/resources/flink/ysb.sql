-- streamscore YSB: views per campaign per 10-second event-time window.
-- The Yahoo Streaming Benchmark (yahoo/streaming-benchmarks) looks each ad's campaign up in Redis;
-- here, as in Flock's YSB (benchmarks/src/ysb/ysb.sql), the ad -> campaign map is a static table
-- joined in the query. Its 1000 rows are written in below when the workload loads (CAMPAIGN_ROWS).
--
-- Placeholders, filled by the backend (see renderSqlTemplate in @streamscore/core):
--   SOURCE_WITH / SINK_WITH     connector options of the transport
--   interval:NAME               a query parameter in ms rendered as INTERVAL '...' SECOND
--
-- Times are TIMESTAMP(3) in UTC: the job must run with table.local-time-zone = UTC (set it in the
-- TableConfig; a SET statement works only in the SQL client).
--
-- Counting first per ad and window keeps the window aggregation on the event stream (a join
-- before it would drop the time attribute); the per-campaign sum after the join is a regular
-- aggregation, so the result is an update stream keyed by (campaign_id, window_start) whose
-- final value per key is the window's count, as YSB's Redis counters are updated in place.
CREATE TABLE ad_events (
    user_id     STRING,
    page_id     STRING,
    ad_id       STRING,
    ad_type     STRING,
    event_type  STRING,
    event_time  BIGINT,
    ip_address  STRING,
    ts AS CAST(TO_TIMESTAMP_LTZ(event_time, 3) AS TIMESTAMP(3)),
    WATERMARK FOR ts AS ts - ${interval:watermarkDelayMs}
) WITH (
    ${SOURCE_WITH}
);

CREATE VIEW campaigns AS
SELECT * FROM (VALUES
${CAMPAIGN_ROWS}
) AS t (c_ad_id, campaign_id);

CREATE VIEW ad_views AS
SELECT ad_id, ts FROM ad_events WHERE event_type = 'view';

CREATE TABLE ysb_campaigns (
    campaign_id   STRING,
    window_start  TIMESTAMP(3),
    window_end    TIMESTAMP(3),
    seen_count    BIGINT,
    PRIMARY KEY (campaign_id, window_start) NOT ENFORCED
) WITH (
    ${SINK_WITH}
);

INSERT INTO ysb_campaigns
SELECT c.campaign_id, v.window_start, v.window_end, SUM(v.view_count) AS seen_count
FROM (
    SELECT ad_id, window_start, window_end, COUNT(*) AS view_count
    FROM TABLE(TUMBLE(TABLE ad_views, DESCRIPTOR(ts), ${interval:windowSizeMs}))
    GROUP BY ad_id, window_start, window_end
) v
JOIN campaigns c ON v.ad_id = c.c_ad_id
GROUP BY c.campaign_id, v.window_start, v.window_end;
