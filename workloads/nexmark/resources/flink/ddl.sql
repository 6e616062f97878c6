-- streamscore NEXMark: source table and views shared by every query.
-- Adapted from nexmark/nexmark (nexmark-flink/src/main/resources/queries/ddl_gen.sql and
-- ddl_views.sql): the source is the harness's event stream instead of the built-in generator.
-- Each event is one flat JSON object in streamscore's event model (workloads/nexmark/src/generator/model.ts):
-- a `type` of 'person', 'auction' or 'bid', that kind's fields, and times as epoch milliseconds.
--
-- Placeholders, filled by the backend (see renderSqlTemplate in @streamscore/core):
--   SOURCE_WITH / SINK_WITH     connector options of the transport, e.g. 'connector' = 'kinesis', ...
--   interval:NAME               a query parameter in ms rendered as INTERVAL '...' SECOND
--
-- Times are TIMESTAMP(3) in UTC: the job must run with table.local-time-zone = UTC (set it in the
-- TableConfig; a SET statement works only in the SQL client).
CREATE TABLE nexmark_events (
    `type`        STRING,
    id            BIGINT,
    name          STRING,
    emailAddress  STRING,
    creditCard    STRING,
    city          STRING,
    state         STRING,
    itemName      STRING,
    description   STRING,
    initialBid    BIGINT,
    reserve       BIGINT,
    expires       BIGINT,
    seller        BIGINT,
    category      BIGINT,
    auction       BIGINT,
    bidder        BIGINT,
    price         BIGINT,
    channel       STRING,
    url           STRING,
    `dateTime`    BIGINT,
    extra         STRING,
    event_time AS CAST(TO_TIMESTAMP_LTZ(`dateTime`, 3) AS TIMESTAMP(3)),
    WATERMARK FOR event_time AS event_time - ${interval:watermarkDelayMs}
) WITH (
    ${SOURCE_WITH}
);

CREATE VIEW person AS
SELECT id, name, emailAddress, creditCard, city, state, event_time AS `dateTime`, extra
FROM nexmark_events WHERE `type` = 'person';

CREATE VIEW auction AS
SELECT id, itemName, description, initialBid, reserve, event_time AS `dateTime`,
       CAST(TO_TIMESTAMP_LTZ(expires, 3) AS TIMESTAMP(3)) AS expires, seller, category, extra
FROM nexmark_events WHERE `type` = 'auction';

CREATE VIEW bid AS
SELECT auction, bidder, price, channel, url, event_time AS `dateTime`, extra
FROM nexmark_events WHERE `type` = 'bid';
