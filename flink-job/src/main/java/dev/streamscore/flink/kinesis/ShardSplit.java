package dev.streamscore.flink.kinesis;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * One Kinesis shard, read from after {@code lastSequence} (or from the stream's start position).
 * The records and events read so far travel with the sequence number, so after a restore from a
 * checkpoint they are still the read position that streamscore's harness measures lag against
 * (records written less records read), not a count of this process's lifetime.
 */
public final class ShardSplit implements SourceSplit {
  public final String shardId;
  /** Sequence number of the last record read; null: start at the source's start position. */
  public final String lastSequence;
  /** Kinesis records read from this shard up to {@code lastSequence}, and the events in them. */
  public final long recordsRead;
  public final long eventsRead;

  public ShardSplit(String shardId, String lastSequence) {
    this(shardId, lastSequence, 0, 0);
  }

  public ShardSplit(String shardId, String lastSequence, long recordsRead, long eventsRead) {
    this.shardId = shardId;
    this.lastSequence = lastSequence;
    this.recordsRead = recordsRead;
    this.eventsRead = eventsRead;
  }

  @Override
  public String splitId() {
    return shardId;
  }

  @Override
  public String toString() {
    return "ShardSplit{" + shardId + (lastSequence == null ? "" : " after " + lastSequence) + "}";
  }

  /** Mutable reading position of a split inside a reader. */
  public static final class State {
    public final String shardId;
    public String lastSequence;
    /** Written by the reader's task thread, read by metric reporters. */
    public volatile long recordsRead;
    public volatile long eventsRead;

    public State(ShardSplit split) {
      this.shardId = split.shardId;
      this.lastSequence = split.lastSequence;
      this.recordsRead = split.recordsRead;
      this.eventsRead = split.eventsRead;
    }
  }

  public static final class Serializer implements SimpleVersionedSerializer<ShardSplit> {
    @Override
    public int getVersion() {
      return 2;
    }

    @Override
    public byte[] serialize(ShardSplit split) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        write(out, split);
        out.writeLong(split.recordsRead);
        out.writeLong(split.eventsRead);
      }
      return bytes.toByteArray();
    }

    @Override
    public ShardSplit deserialize(int version, byte[] serialized) throws IOException {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
        ShardSplit split = read(in);
        // Version 1 (before read positions were counted): the counts restart at 0.
        return version >= 2 ? new ShardSplit(split.shardId, split.lastSequence, in.readLong(), in.readLong()) : split;
      }
    }

    static void write(DataOutputStream out, ShardSplit split) throws IOException {
      out.writeUTF(split.shardId);
      out.writeBoolean(split.lastSequence != null);
      if (split.lastSequence != null) out.writeUTF(split.lastSequence);
    }

    /** Shard and sequence only: also the enumerator's format for splits not yet assigned (counts 0). */
    static ShardSplit read(DataInputStream in) throws IOException {
      String shard = in.readUTF();
      String seq = in.readBoolean() ? in.readUTF() : null;
      return new ShardSplit(shard, seq);
    }
  }
}
