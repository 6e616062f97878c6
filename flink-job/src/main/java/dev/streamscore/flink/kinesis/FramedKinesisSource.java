package dev.streamscore.flink.kinesis;

import java.util.Map;
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
      for (String json : Framing.unpack(record.data)) {
        RowData row = decoder.decode(json);
        if (row != null) output.collect(row);
      }
      state.lastSequence = record.sequence;
    }
  }

  private static final class Reader
      extends SingleThreadMultiplexSourceReaderBase<ShardSplitReader.Fetched, RowData, ShardSplit, ShardSplit.State> {
    Reader(FramedKinesisSource s, SourceReaderContext ctx) {
      super(() -> new ShardSplitReader(s.options, s.startPosition, s.pollIntervalMs, 10_000),
          new Emitter(s.decoder), new Configuration(), ctx);
    }

    @Override
    public void start() {
      // Shards are pushed by the enumerator; nothing to request.
    }

    @Override
    protected void onSplitFinished(Map<String, ShardSplit.State> finished) {}

    @Override
    protected ShardSplit.State initializedState(ShardSplit split) {
      return new ShardSplit.State(split);
    }

    @Override
    protected ShardSplit toSplitType(String splitId, ShardSplit.State state) {
      return new ShardSplit(state.shardId, state.lastSequence);
    }
  }
}
