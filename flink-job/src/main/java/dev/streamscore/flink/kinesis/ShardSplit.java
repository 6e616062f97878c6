package dev.streamscore.flink.kinesis;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/** One Kinesis shard, read from after {@code lastSequence} (or from the stream's start position). */
public final class ShardSplit implements SourceSplit {
  public final String shardId;
  /** Sequence number of the last record read; null: start at the source's start position. */
  public final String lastSequence;

  public ShardSplit(String shardId, String lastSequence) {
    this.shardId = shardId;
    this.lastSequence = lastSequence;
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

    public State(ShardSplit split) {
      this.shardId = split.shardId;
      this.lastSequence = split.lastSequence;
    }
  }

  public static final class Serializer implements SimpleVersionedSerializer<ShardSplit> {
    @Override
    public int getVersion() {
      return 1;
    }

    @Override
    public byte[] serialize(ShardSplit split) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        write(out, split);
      }
      return bytes.toByteArray();
    }

    @Override
    public ShardSplit deserialize(int version, byte[] serialized) throws IOException {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
        return read(in);
      }
    }

    static void write(DataOutputStream out, ShardSplit split) throws IOException {
      out.writeUTF(split.shardId);
      out.writeBoolean(split.lastSequence != null);
      if (split.lastSequence != null) out.writeUTF(split.lastSequence);
    }

    static ShardSplit read(DataInputStream in) throws IOException {
      String shard = in.readUTF();
      String seq = in.readBoolean() ? in.readUTF() : null;
      return new ShardSplit(shard, seq);
    }
  }
}
