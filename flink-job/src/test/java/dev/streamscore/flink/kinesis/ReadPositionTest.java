package dev.streamscore.flink.kinesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/** The source's read position: checkpointed with the split, published as gauges. */
class ReadPositionTest {
  @Test
  void theSplitCarriesItsReadPositionThroughACheckpoint() throws Exception {
    ShardSplit.Serializer ser = new ShardSplit.Serializer();
    ShardSplit back = ser.deserialize(ser.getVersion(), ser.serialize(new ShardSplit("shardId-000000000001", "4960", 17, 8_500)));
    assertEquals("shardId-000000000001", back.shardId);
    assertEquals("4960", back.lastSequence);
    assertEquals(17, back.recordsRead);
    assertEquals(8_500, back.eventsRead);
  }

  @Test
  void aVersion1SplitRestoresWithCountsFromZero() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeUTF("shardId-000000000000");
      out.writeBoolean(false);
    }
    ShardSplit back = new ShardSplit.Serializer().deserialize(1, bytes.toByteArray());
    assertEquals("shardId-000000000000", back.shardId);
    assertNull(back.lastSequence);
    assertEquals(0, back.recordsRead);
  }

  @Test
  void gaugesSumTheShardsAndTakeTheFurthestBehind() {
    Map<String, Metric> seen = new HashMap<>();
    UnregisteredMetricsGroup group = new UnregisteredMetricsGroup() {
      @Override
      public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
        seen.put(name, gauge);
        return gauge;
      }
    };
    Map<String, ShardSplit.State> states = new HashMap<>();
    states.put("a", new ShardSplit.State(new ShardSplit("a", "1", 3, 300)));
    states.put("b", new ShardSplit.State(new ShardSplit("b", "9", 4, 450)));
    Map<String, Long> behind = new HashMap<>(Map.of("a", 1_200L, "b", 300L));
    FramedKinesisSource.registerPositionGauges(group, states, behind);
    states.get("a").recordsRead++;
    assertEquals(8L, ((Gauge<?>) seen.get(FramedKinesisSource.RECORDS_READ)).getValue());
    assertEquals(750L, ((Gauge<?>) seen.get(FramedKinesisSource.EVENTS_READ)).getValue());
    assertEquals(1_200L, ((Gauge<?>) seen.get(FramedKinesisSource.MILLIS_BEHIND)).getValue());
  }
}
