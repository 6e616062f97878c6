package dev.streamscore.flink.kinesis;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.RecordEmitter;
import org.apache.flink.connector.base.source.reader.SingleThreadMultiplexSourceReaderBase;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.table.data.RowData;

/**
 * A Kinesis source that unpacks streamscore's framing: each Kinesis record holds many JSON
 * events, and each event becomes one row of the table's physical schema ({@link EventRowDecoder}).
 * Splits are shards; polling with GetRecords (no enhanced fan-out).
 */
public final class FramedKinesisSource
    implements Source<RowData, ShardSplit, EnumeratorState>, ResultTypeQueryable<RowData> {
  private static final long serialVersionUID = 1L;

  private final KinesisOptions options;
  private final String startPosition;
  private final long pollIntervalMs;
  private final long discoveryIntervalMs;
  private final EventRowDecoder decoder;
  private final TypeInformation<RowData> producedType;

  public FramedKinesisSource(KinesisOptions options, String startPosition, long pollIntervalMs, long discoveryIntervalMs,
      EventRowDecoder decoder, TypeInformation<RowData> producedType) {
    this.options = options;
    this.startPosition = startPosition;
    this.pollIntervalMs = pollIntervalMs;
    this.discoveryIntervalMs = discoveryIntervalMs;
    this.decoder = decoder;
    this.producedType = producedType;
  }

  @Override
  public Boundedness getBoundedness() {
    return Boundedness.CONTINUOUS_UNBOUNDED;
  }

  @Override
  public SourceReader<RowData, ShardSplit> createReader(SourceReaderContext ctx) {
    return new Reader(this, ctx);
  }

  @Override
  public SplitEnumerator<ShardSplit, EnumeratorState> createEnumerator(SplitEnumeratorContext<ShardSplit> ctx) {
    return new ShardEnumerator(ctx, options, discoveryIntervalMs, null);
  }

  @Override
  public SplitEnumerator<ShardSplit, EnumeratorState> restoreEnumerator(SplitEnumeratorContext<ShardSplit> ctx, EnumeratorState state) {
    return new ShardEnumerator(ctx, options, discoveryIntervalMs, state);
  }

  @Override
  public SimpleVersionedSerializer<ShardSplit> getSplitSerializer() {
    return new ShardSplit.Serializer();
  }

  @Override
  public SimpleVersionedSerializer<EnumeratorState> getEnumeratorCheckpointSerializer() {
    return new EnumeratorState.Serializer();
  }

  @Override
  public TypeInformation<RowData> getProducedType() {
    return producedType;
  }

  /** Unpacks one Kinesis record into rows. */
  private static final class Emitter implements RecordEmitter<ShardSplitReader.Fetched, RowData, ShardSplit.State> {
    private final EventRowDecoder decoder;

    Emitter(EventRowDecoder decoder) {
      this.decoder = decoder;
    }

    @Override
    public void emitRecord(ShardSplitReader.Fetched record, SourceOutput<RowData> output, ShardSplit.State state) throws Exception {
      long events = 0;
      for (String json : Framing.unpack(record.data)) {
        RowData row = decoder.decode(json);
        if (row != null) output.collect(row);
        events++;
      }
      state.lastSequence = record.sequence;
      state.eventsRead += events;
      state.recordsRead++;
    }
  }

  /**
   * Publishes the reader's position in the input stream as gauges, summed over its shards (see
   * {@link #registerPositionGauges}); streamscore's flink backend reads them over the REST API.
   */
  private static final class Reader
      extends SingleThreadMultiplexSourceReaderBase<ShardSplitReader.Fetched, RowData, ShardSplit, ShardSplit.State> {
    private final Map<String, ShardSplit.State> states = new ConcurrentHashMap<>();

    Reader(FramedKinesisSource s, SourceReaderContext ctx) {
      this(s, ctx, new ConcurrentHashMap<>());
    }

    private Reader(FramedKinesisSource s, SourceReaderContext ctx, Map<String, Long> millisBehind) {
      super(() -> new ShardSplitReader(s.options, s.startPosition, s.pollIntervalMs, 10_000, millisBehind),
          new Emitter(s.decoder), new Configuration(), ctx);
      registerPositionGauges(ctx.metricGroup(), states, millisBehind);
    }

    @Override
    public void start() {
      // Shards are pushed by the enumerator; nothing to request.
    }

    @Override
    protected void onSplitFinished(Map<String, ShardSplit.State> finished) {
      // A closed shard's records stay read: its state is kept in `states` for the gauges.
    }

    @Override
    protected ShardSplit.State initializedState(ShardSplit split) {
      ShardSplit.State state = new ShardSplit.State(split);
      states.put(split.shardId, state);
      return state;
    }

    @Override
    protected ShardSplit toSplitType(String splitId, ShardSplit.State state) {
      return new ShardSplit(state.shardId, state.lastSequence, state.recordsRead, state.eventsRead);
    }
  }

  /** Gauge names: streamscore's flink backend sums them over subtasks (plugins/flink/src/rest/client.ts). */
  public static final String RECORDS_READ = "streamscoreRecordsRead";
  public static final String EVENTS_READ = "streamscoreEventsRead";
  public static final String MILLIS_BEHIND = "streamscoreMillisBehindLatest";

  /**
   * Records and events read from the input stream since its start (TRIM_HORIZON), summed over
   * the shards this reader holds, and Kinesis's MillisBehindLatest of the last GetRecords
   * (largest over its shards).
   */
  static void registerPositionGauges(MetricGroup group, Map<String, ShardSplit.State> states, Map<String, Long> millisBehind) {
    group.gauge(RECORDS_READ, (Gauge<Long>) () -> states.values().stream().mapToLong(st -> st.recordsRead).sum());
    group.gauge(EVENTS_READ, (Gauge<Long>) () -> states.values().stream().mapToLong(st -> st.eventsRead).sum());
    Gauge<Long> behind = () -> millisBehind.values().stream().mapToLong(Long::longValue).max().orElse(0L);
    group.gauge(MILLIS_BEHIND, behind);
    // Managed Service for Apache Flink sends metrics of the group "kinesisanalytics" to CloudWatch
    // (AWS/KinesisAnalytics), where plugins/kda reads millisBehindLatest as AWS's own connector names it.
    group.addGroup("kinesisanalytics").gauge("millisBehindLatest", behind);
  }
}
