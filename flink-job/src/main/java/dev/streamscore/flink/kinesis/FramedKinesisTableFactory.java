package dev.streamscore.flink.kinesis;

import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.connector.source.SourceProvider;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.RowType;

/**
 * The SQL connector {@code 'connector' = 'streamscore-kinesis'}: a Kinesis stream whose records
 * are in streamscore's framing (many JSON events or rows per record). Used as the source (events
 * → rows of the table's schema) and as the sink (rows → framed JSON) of every workload's SQL.
 */
public final class FramedKinesisTableFactory implements DynamicTableSourceFactory, DynamicTableSinkFactory {
  public static final String IDENTIFIER = "streamscore-kinesis";

  public static final ConfigOption<String> STREAM = ConfigOptions.key("stream").stringType().noDefaultValue()
      .withDescription("Kinesis stream name.");
  public static final ConfigOption<String> REGION = ConfigOptions.key("aws.region").stringType().defaultValue("us-east-1");
  public static final ConfigOption<String> ENDPOINT = ConfigOptions.key("aws.endpoint").stringType().noDefaultValue()
      .withDescription("Endpoint override, e.g. http://127.0.0.1:4567 for kinesalite.");
  public static final ConfigOption<String> CREDENTIALS_PROVIDER = ConfigOptions.key("aws.credentials.provider").stringType()
      .defaultValue("AUTO").withDescription("AUTO (the SDK's default chain) or BASIC.");
  public static final ConfigOption<String> ACCESS_KEY_ID = ConfigOptions.key("aws.credentials.provider.basic.accesskeyid")
      .stringType().noDefaultValue();
  public static final ConfigOption<String> SECRET_KEY = ConfigOptions.key("aws.credentials.provider.basic.secretkey")
      .stringType().noDefaultValue();
  public static final ConfigOption<Boolean> CBOR = ConfigOptions.key("aws.cbor.enabled").booleanType().defaultValue(true)
      .withDescription("false for local Kinesis endpoints (kinesalite).");
  public static final ConfigOption<String> FRAMING = ConfigOptions.key("framing").stringType().defaultValue(Framing.NAME);
  public static final ConfigOption<String> INIT_POS = ConfigOptions.key("scan.stream.initpos").stringType()
      .defaultValue("TRIM_HORIZON");
  public static final ConfigOption<Long> POLL_INTERVAL_MS = ConfigOptions.key("scan.poll-interval-ms").longType().defaultValue(200L);
  public static final ConfigOption<Long> DISCOVERY_INTERVAL_MS = ConfigOptions.key("scan.shard-discovery-interval-ms").longType()
      .defaultValue(10_000L);
  public static final ConfigOption<Integer> RECORD_BYTES = ConfigOptions.key("sink.record-bytes").intType().defaultValue(24 * 1024);
  public static final ConfigOption<Long> FLUSH_INTERVAL_MS = ConfigOptions.key("sink.flush-interval-ms").longType().defaultValue(100L);
  public static final ConfigOption<String> CODEC = ConfigOptions.key("sink.codec").stringType().defaultValue("ndjson");
  public static final ConfigOption<String> COMMIT_LOG_DIR = ConfigOptions.key("sink.commit-log-dir").stringType().noDefaultValue()
      .withDescription("exactly-once: where committed batches leave markers, so a restore does not write them again");
  public static final ConfigOption<String> DELIVERY = ConfigOptions.key("sink.delivery").stringType().defaultValue("at-least-once")
      .withDescription("at-least-once: rows are written as they come; exactly-once: written when the checkpoint covering them completes");

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Set.of(STREAM);
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return Set.of(REGION, ENDPOINT, CREDENTIALS_PROVIDER, ACCESS_KEY_ID, SECRET_KEY, CBOR, FRAMING, INIT_POS, POLL_INTERVAL_MS,
        DISCOVERY_INTERVAL_MS, RECORD_BYTES, FLUSH_INTERVAL_MS, CODEC, DELIVERY, COMMIT_LOG_DIR);
  }

  private static KinesisOptions kinesisOptions(ReadableConfig c) {
    if (!Framing.NAME.equals(c.get(FRAMING))) {
      throw new IllegalArgumentException("streamscore-kinesis reads and writes only the framing " + Framing.NAME + ", not " + c.get(FRAMING));
    }
    boolean basic = "BASIC".equalsIgnoreCase(c.get(CREDENTIALS_PROVIDER));
    return new KinesisOptions(c.get(STREAM), c.get(REGION), c.getOptional(ENDPOINT).orElse(null),
        basic ? c.getOptional(ACCESS_KEY_ID).orElse("") : null, basic ? c.getOptional(SECRET_KEY).orElse("") : null, c.get(CBOR));
  }

  @Override
  public DynamicTableSource createDynamicTableSource(Context context) {
    FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
    helper.validate();
    ReadableConfig c = helper.getOptions();
    DataType physical = context.getPhysicalRowDataType();
    return new Source(kinesisOptions(c), c.get(INIT_POS), c.get(POLL_INTERVAL_MS), c.get(DISCOVERY_INTERVAL_MS), physical);
  }

  @Override
  public DynamicTableSink createDynamicTableSink(Context context) {
    FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
    helper.validate();
    ReadableConfig c = helper.getOptions();
    String codec = c.get(CODEC);
    if (!codec.equals("ndjson") && !codec.equals("gzip")) throw new IllegalArgumentException("sink.codec is ndjson or gzip, not " + codec);
    String delivery = c.get(DELIVERY);
    if (!delivery.equals("at-least-once") && !delivery.equals("exactly-once")) {
      throw new IllegalArgumentException("sink.delivery is at-least-once or exactly-once, not " + delivery);
    }
    return new Sink(kinesisOptions(c), (RowType) context.getPhysicalRowDataType().getLogicalType(), c.get(RECORD_BYTES),
        c.get(FLUSH_INTERVAL_MS), codec.equals("gzip"), delivery.equals("exactly-once"), c.getOptional(COMMIT_LOG_DIR).orElse(null));
  }

  private static final class Source implements ScanTableSource {
    private final KinesisOptions options;
    private final String initPos;
    private final long pollMs;
    private final long discoveryMs;
    private final DataType physical;

    Source(KinesisOptions options, String initPos, long pollMs, long discoveryMs, DataType physical) {
      this.options = options;
      this.initPos = initPos;
      this.pollMs = pollMs;
      this.discoveryMs = discoveryMs;
      this.physical = physical;
    }

    @Override
    public ChangelogMode getChangelogMode() {
      return ChangelogMode.insertOnly();
    }

    @Override
    public ScanRuntimeProvider getScanRuntimeProvider(ScanContext context) {
      TypeInformation<RowData> produced = context.createTypeInformation(physical);
      return SourceProvider.of(new FramedKinesisSource(options, initPos, pollMs, discoveryMs,
          new EventRowDecoder((RowType) physical.getLogicalType()), produced));
    }

    @Override
    public DynamicTableSource copy() {
      return new Source(options, initPos, pollMs, discoveryMs, physical);
    }

    @Override
    public String asSummaryString() {
      return "streamscore-kinesis(" + options.stream + ")";
    }
  }

  private static final class Sink implements DynamicTableSink {
    private final KinesisOptions options;
    private final RowType rowType;
    private final int recordBytes;
    private final long flushMs;
    private final boolean gzip;
    private final boolean exactlyOnce;
    private final String commitLogDir;

    Sink(KinesisOptions options, RowType rowType, int recordBytes, long flushMs, boolean gzip, boolean exactlyOnce, String commitLogDir) {
      this.options = options;
      this.rowType = rowType;
      this.recordBytes = recordBytes;
      this.flushMs = flushMs;
      this.gzip = gzip;
      this.exactlyOnce = exactlyOnce;
      this.commitLogDir = commitLogDir;
    }

    @Override
    public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
      // Updating queries write every change; the checker keeps the last record per key.
      return requestedMode;
    }

    @Override
    public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
      RowJsonEncoder encoder = new RowJsonEncoder(rowType);
      return SinkV2Provider.of(exactlyOnce
          ? new TransactionalKinesisSink(options, encoder, recordBytes, gzip, commitLogDir)
          : new FramedKinesisSink(options, encoder, recordBytes, flushMs, gzip));
    }

    @Override
    public DynamicTableSink copy() {
      return new Sink(options, rowType, recordBytes, flushMs, gzip, exactlyOnce, commitLogDir);
    }

    @Override
    public String asSummaryString() {
      return "streamscore-kinesis(" + options.stream + ")";
    }
  }
}
