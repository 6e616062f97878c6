package dev.streamscore.flink.kinesis;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/** What the enumerator checkpoints: shards already handed out and splits waiting for a reader. */
public final class EnumeratorState {
  public final Set<String> assignedShards;
  public final List<ShardSplit> pending;

  public EnumeratorState(Set<String> assignedShards, List<ShardSplit> pending) {
    this.assignedShards = assignedShards;
    this.pending = pending;
  }

  public static final class Serializer implements SimpleVersionedSerializer<EnumeratorState> {
    @Override
    public int getVersion() {
      return 1;
    }

    @Override
    public byte[] serialize(EnumeratorState state) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeInt(state.assignedShards.size());
        for (String s : state.assignedShards) out.writeUTF(s);
        out.writeInt(state.pending.size());
        for (ShardSplit s : state.pending) ShardSplit.Serializer.write(out, s);
      }
      return bytes.toByteArray();
    }

    @Override
    public EnumeratorState deserialize(int version, byte[] serialized) throws IOException {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
        int n = in.readInt();
        Set<String> assigned = new HashSet<>();
        for (int i = 0; i < n; i++) assigned.add(in.readUTF());
        int m = in.readInt();
        List<ShardSplit> pending = new ArrayList<>();
        for (int i = 0; i < m; i++) pending.add(ShardSplit.Serializer.read(in));
        return new EnumeratorState(assigned, pending);
      }
    }
  }
}
