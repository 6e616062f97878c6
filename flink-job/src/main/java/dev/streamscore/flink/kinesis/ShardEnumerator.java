package dev.streamscore.flink.kinesis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * Discovers the stream's shards (ListShards, periodically) and hands each to one reader:
 * shard k of the sorted list goes to reader k mod parallelism. Resharding during a run is not
 * handled beyond picking up new shards (parents are not drained before children).
 */
final class ShardEnumerator implements SplitEnumerator<ShardSplit, EnumeratorState> {
  private static final Logger LOG = LoggerFactory.getLogger(ShardEnumerator.class);

  private final SplitEnumeratorContext<ShardSplit> context;
  private final KinesisOptions options;
  private final long discoveryIntervalMs;
  private final Set<String> assignedShards;
  private final List<ShardSplit> pending;
  private KinesisClient client;

  ShardEnumerator(SplitEnumeratorContext<ShardSplit> context, KinesisOptions options, long discoveryIntervalMs, EnumeratorState restored) {
    this.context = context;
    this.options = options;
    this.discoveryIntervalMs = discoveryIntervalMs;
    this.assignedShards = restored == null ? new HashSet<>() : new HashSet<>(restored.assignedShards);
    this.pending = restored == null ? new ArrayList<>() : new ArrayList<>(restored.pending);
  }

  @Override
  public void start() {
    client = options.newClient();
    context.callAsync(this::listShards, this::onShards, 0, discoveryIntervalMs);
  }

  private List<String> listShards() {
    List<String> ids = new ArrayList<>();
    String next = null;
    do {
      ListShardsRequest req = next == null
          ? ListShardsRequest.builder().streamName(options.stream).build()
          : ListShardsRequest.builder().nextToken(next).build();
      ListShardsResponse resp = client.listShards(req);
      for (Shard s : resp.shards()) ids.add(s.shardId());
      next = resp.nextToken();
    } while (next != null);
    ids.sort(String::compareTo);
    return ids;
  }

  private void onShards(List<String> shards, Throwable error) {
    if (error != null) {
      LOG.warn("ListShards on {} failed; retrying at the next discovery", options.stream, error);
      return;
    }
    for (String id : shards) {
      if (assignedShards.add(id)) pending.add(new ShardSplit(id, null));
    }
    assignPending();
  }

  private int ownerOf(String shardId) {
    int p = context.currentParallelism();
    return Math.floorMod(shardId.hashCode(), p);
  }

  private void assignPending() {
    Map<Integer, List<ShardSplit>> byReader = new HashMap<>();
    Iterator<ShardSplit> it = pending.iterator();
    while (it.hasNext()) {
      ShardSplit s = it.next();
      int owner = ownerOf(s.shardId);
      if (!context.registeredReaders().containsKey(owner)) continue;
      byReader.computeIfAbsent(owner, k -> new ArrayList<>()).add(s);
      it.remove();
    }
    if (!byReader.isEmpty()) {
      LOG.info("assigning shards of {}: {}", options.stream, byReader);
      context.assignSplits(new SplitsAssignment<>(byReader));
    }
  }

  @Override
  public void handleSplitRequest(int subtaskId, String requesterHostname) {}

  @Override
  public void addSplitsBack(List<ShardSplit> splits, int subtaskId) {
    pending.addAll(splits);
    assignPending();
  }

  @Override
  public void addReader(int subtaskId) {
    assignPending();
  }

  @Override
  public EnumeratorState snapshotState(long checkpointId) {
    return new EnumeratorState(new HashSet<>(assignedShards), new ArrayList<>(pending));
  }

  @Override
  public void close() {
    if (client != null) client.close();
  }
}
