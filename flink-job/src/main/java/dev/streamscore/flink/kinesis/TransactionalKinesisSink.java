package dev.streamscore.flink.kinesis;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.table.data.RowData;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * The exactly-once Kinesis sink (`'sink.delivery' = 'exactly-once'`): rows are packed into
 * records as by {@link FramedKinesisSink}, but nothing is written until the checkpoint that
 * covers them completes. At the checkpoint barrier the writer hands its records over as one
 * committable (kept in the checkpoint); the committer writes it once the checkpoint is complete.
 * After a restore, the source re-reads from the checkpoint's shard positions and the rows of the
 * unfinished checkpoint are recomputed, never written twice.
 *
 * <p>Flink re-commits the committables of the checkpoint it restores, trusting commits to be
 * idempotent; a Kinesis write is not. So each batch has an id (subtask, attempt, sequence) and
 * the committer leaves a marker file per committed batch in {@code sink.commit-log-dir} (beside
 * the checkpoints: file:// or s3://); a batch with a marker is not written again. One window
 * remains — a crash between a batch's write and its marker — and the verdict would show its
 * records as repeats. Without a commit log every restore repeats the restored checkpoint's output.
 *
 * <p>Costs: output latency includes up to one checkpoint interval, and a checkpoint's output is
 * held in memory and in checkpoint state.
 */
public final class TransactionalKinesisSink implements Sink<RowData>, SupportsCommitter<TransactionalKinesisSink.Batch> {
  private static final long serialVersionUID = 1L;

  private final KinesisOptions options;
  private final RowJsonEncoder encoder;
  private final int recordBytes;
  private final boolean gzip;
  /** Where committed batches leave their markers; null: no commit log. */
  private final String commitLogDir;

  public TransactionalKinesisSink(KinesisOptions options, RowJsonEncoder encoder, int recordBytes, boolean gzip, String commitLogDir) {
    this.options = options;
    this.encoder = encoder;
    this.recordBytes = Math.min(recordBytes, Framing.MAX_RECORD_BYTES);
    this.gzip = gzip;
    this.commitLogDir = commitLogDir == null || commitLogDir.isEmpty() ? null : commitLogDir;
  }

  /** One subtask's records of one checkpoint; (subtask, attempt, sequence) is unique in a job. */
  public static final class Batch {
    public final int subtask;
    public final int attempt;
    public final long sequence;
    public final List<byte[]> records;

    public Batch(int subtask, int attempt, long sequence, List<byte[]> records) {
      this.subtask = subtask;
      this.attempt = attempt;
      this.sequence = sequence;
      this.records = records;
    }

    String id() {
      return subtask + "-" + attempt + "-" + sequence;
    }
  }

  @Override
  public SinkWriter<RowData> createWriter(WriterInitContext context) {
    return new Writer(context.getTaskInfo().getIndexOfThisSubtask(), context.getTaskInfo().getAttemptNumber());
  }

  @Override
  public Committer<Batch> createCommitter(CommitterInitContext context) {
    return new BatchCommitter(options, commitLogDir);
  }

  @Override
  public SimpleVersionedSerializer<Batch> getCommittableSerializer() {
    return new BatchSerializer();
  }

  private final class Writer implements CommittingSinkWriter<RowData, Batch> {
    private final int subtask;
    private final int attempt;
    private final List<String> open = new ArrayList<>();
    private int openBytes = Framing.HEADER_BYTES;
    private List<byte[]> closed = new ArrayList<>();
    private long sequence;

    Writer(int subtask, int attempt) {
      this.subtask = subtask;
      this.attempt = attempt;
    }

    @Override
    public void write(RowData row, Context context) throws IOException {
      String json;
      try {
        json = encoder.encode(row);
      } catch (Exception e) {
        throw new IOException("could not encode an output row as JSON", e);
      }
      if (json == null) return;
      int bytes = json.getBytes(StandardCharsets.UTF_8).length + 1;
      if (!open.isEmpty() && openBytes + bytes > recordBytes) closeRecord();
      open.add(json);
      openBytes += bytes;
    }

    private void closeRecord() throws IOException {
      if (open.isEmpty()) return;
      closed.add(Framing.pack(open, gzip));
      open.clear();
      openBytes = Framing.HEADER_BYTES;
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
      closeRecord();
    }

    @Override
    public Collection<Batch> prepareCommit() throws IOException {
      closeRecord();
      if (closed.isEmpty()) return List.of();
      Batch b = new Batch(subtask, attempt, sequence++, closed);
      closed = new ArrayList<>();
      return List.of(b);
    }

    @Override
    public void close() {}
  }

  private static final class BatchCommitter implements Committer<Batch> {
    private final KinesisOptions options;
    private final String commitLogDir;
    private transient KinesisClient client;
    private transient KinesisPut put;

    BatchCommitter(KinesisOptions options, String commitLogDir) {
      this.options = options;
      this.commitLogDir = commitLogDir;
    }

    private Path marker(Batch b) {
      return new Path(commitLogDir, b.id());
    }

    @Override
    public void commit(Collection<CommitRequest<Batch>> requests) throws IOException, InterruptedException {
      if (client == null) {
        client = options.newClient();
        put = new KinesisPut(client, options.stream);
      }
      for (CommitRequest<Batch> r : requests) {
        Batch b = r.getCommittable();
        try {
          if (commitLogDir != null && marker(b).getFileSystem().exists(marker(b))) {
            r.signalAlreadyCommitted();
            continue;
          }
          put.putAll(b.records, "t" + b.id() + "-");
          if (commitLogDir != null) marker(b).getFileSystem().create(marker(b), FileSystem.WriteMode.OVERWRITE).close();
        } catch (IOException e) {
          // Kinesis refused beyond the retries: try again at the next checkpoint.
          if (r.getNumberOfRetries() < 10) r.retryLater();
          else r.signalFailedWithUnknownReason(e);
        }
      }
    }

    @Override
    public void close() {
      if (client != null) client.close();
    }
  }

  static final class BatchSerializer implements SimpleVersionedSerializer<Batch> {
    @Override
    public int getVersion() {
      return 1;
    }

    @Override
    public byte[] serialize(Batch b) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeInt(b.subtask);
        out.writeInt(b.attempt);
        out.writeLong(b.sequence);
        out.writeInt(b.records.size());
        for (byte[] r : b.records) {
          out.writeInt(r.length);
          out.write(r);
        }
      }
      return bytes.toByteArray();
    }

    @Override
    public Batch deserialize(int version, byte[] serialized) throws IOException {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
        int subtask = in.readInt();
        int attempt = in.readInt();
        long sequence = in.readLong();
        int n = in.readInt();
        List<byte[]> records = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          byte[] r = new byte[in.readInt()];
          in.readFully(r);
          records.add(r);
        }
        return new Batch(subtask, attempt, sequence, records);
      }
    }
  }
}
