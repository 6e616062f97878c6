package dev.streamscore.flink.kinesis;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.base.source.reader.RecordsBySplits;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsChange;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.GetRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * Polls its shards with GetRecords (one call per shard per round; a round with nothing new on
 * any shard is followed by a pause of {@code pollIntervalMs}, within the 5 calls/s/shard limit).
 */
final class ShardSplitReader implements SplitReader<ShardSplitReader.Fetched, ShardSplit> {
  /** One Kinesis record as fetched. */
  static final class Fetched {
    final String sequence;
    final byte[] data;

    Fetched(String sequence, byte[] data) {
      this.sequence = sequence;
      this.data = data;
    }
  }

  private static final class ShardCursor {
    final String shardId;
    String lastSequence;
    String iterator;

    ShardCursor(String shardId, String lastSequence) {
      this.shardId = shardId;
      this.lastSequence = lastSequence;
    }
  }

  private final KinesisOptions options;
  private final String startPosition;
  private final long pollIntervalMs;
  private final int maxRecordsPerCall;
  private final Map<String, ShardCursor> shards = new LinkedHashMap<>();
  /** MillisBehindLatest of each shard's last response, for the reader's gauge. */
  private final Map<String, Long> millisBehind;
  private final Object wake = new Object();
  private boolean wakeRequested;
  private KinesisClient client;

  ShardSplitReader(KinesisOptions options, String startPosition, long pollIntervalMs, int maxRecordsPerCall, Map<String, Long> millisBehind) {
    this.millisBehind = millisBehind;
    this.options = options;
    this.startPosition = startPosition;
    this.pollIntervalMs = pollIntervalMs;
    this.maxRecordsPerCall = maxRecordsPerCall;
  }

  private KinesisClient client() {
    if (client == null) client = options.newClient();
    return client;
  }

  @Override
  public RecordsWithSplitIds<Fetched> fetch() throws IOException {
    Map<String, java.util.Collection<Fetched>> out = new LinkedHashMap<>();
    java.util.Set<String> finished = new java.util.HashSet<>();
    boolean behind = false;
    boolean any = false;
    for (ShardCursor c : new ArrayList<>(shards.values())) {
      try {
        if (c.iterator == null) c.iterator = iteratorFor(c);
        GetRecordsResponse resp;
        try {
          resp = client().getRecords(GetRecordsRequest.builder().shardIterator(c.iterator).limit(maxRecordsPerCall).build());
        } catch (ExpiredIteratorException e) {
          c.iterator = iteratorFor(c);
          resp = client().getRecords(GetRecordsRequest.builder().shardIterator(c.iterator).limit(maxRecordsPerCall).build());
        }
        List<Fetched> batch = new ArrayList<>(resp.records().size());
        for (Record r : resp.records()) {
          batch.add(new Fetched(r.sequenceNumber(), r.data().asByteArray()));
          c.lastSequence = r.sequenceNumber();
        }
        if (!batch.isEmpty()) {
          out.put(c.shardId, batch);
          any = true;
        }
        Long millisBehind = resp.millisBehindLatest();
        if (millisBehind != null) this.millisBehind.put(c.shardId, millisBehind);
        if (millisBehind != null && millisBehind > 0) behind = true;
        c.iterator = resp.nextShardIterator();
        if (c.iterator == null) {
          finished.add(c.shardId);
          shards.remove(c.shardId);
          this.millisBehind.remove(c.shardId);
        }
      } catch (ProvisionedThroughputExceededException e) {
        // Back off below; the next round retries with the same iterator.
      } catch (RuntimeException e) {
        throw new IOException("GetRecords on " + options.stream + "/" + c.shardId + " failed: " + e.getMessage(), e);
      }
    }
    if (!any && !behind && finished.isEmpty()) pause();
    return new RecordsBySplits<>(out, finished);
  }

  private String iteratorFor(ShardCursor c) {
    GetShardIteratorRequest.Builder b = GetShardIteratorRequest.builder().streamName(options.stream).shardId(c.shardId);
    if (c.lastSequence != null) {
      b.shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).startingSequenceNumber(c.lastSequence);
    } else {
      b.shardIteratorType("LATEST".equalsIgnoreCase(startPosition) ? ShardIteratorType.LATEST : ShardIteratorType.TRIM_HORIZON);
    }
    return client().getShardIterator(b.build()).shardIterator();
  }

  private void pause() {
    synchronized (wake) {
      if (wakeRequested) {
        wakeRequested = false;
        return;
      }
      try {
        wake.wait(pollIntervalMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      wakeRequested = false;
    }
  }

  @Override
  public void handleSplitsChanges(SplitsChange<ShardSplit> change) {
    if (!(change instanceof SplitsAddition)) return;
    for (ShardSplit s : change.splits()) shards.put(s.shardId, new ShardCursor(s.shardId, s.lastSequence));
  }

  @Override
  public void wakeUp() {
    synchronized (wake) {
      wakeRequested = true;
      wake.notifyAll();
    }
  }

  @Override
  public void close() {
    if (client != null) client.close();
  }
}
