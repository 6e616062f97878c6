package dev.streamscore.flink.kinesis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.table.data.RowData;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * Writes output rows to a Kinesis stream as JSON, packed many to a record in streamscore's
 * framing. A record is closed when it reaches {@code recordBytes} or when {@code flushIntervalMs}
 * has passed since the first row in it; records go out through {@link KinesisPut}. Writes are
 * synchronous, so a slow stream backpressures the job instead of buffering without bound. This
 * is the at-least-once sink: rows are written as they come, so after a restore the rows
 * recomputed since the checkpoint are written again ({@link TransactionalKinesisSink} is the
 * exactly-once one).
 */
public final class FramedKinesisSink implements Sink<RowData> {
  private static final long serialVersionUID = 1L;

  private final KinesisOptions options;
  private final RowJsonEncoder encoder;
  private final int recordBytes;
  private final long flushIntervalMs;
  private final boolean gzip;

  public FramedKinesisSink(KinesisOptions options, RowJsonEncoder encoder, int recordBytes, long flushIntervalMs, boolean gzip) {
    this.options = options;
    this.encoder = encoder;
    this.recordBytes = Math.min(recordBytes, Framing.MAX_RECORD_BYTES);
    this.flushIntervalMs = flushIntervalMs;
    this.gzip = gzip;
  }

  @Override
  public SinkWriter<RowData> createWriter(WriterInitContext context) throws IOException {
    return new Writer(context.getProcessingTimeService(), context.getTaskInfo().getIndexOfThisSubtask());
  }

  private final class Writer implements SinkWriter<RowData> {
    private static final int MAX_ENTRIES_PER_CALL = 500;

    private final ProcessingTimeService time;
    private final KinesisClient client;
    private final KinesisPut put;
    private final int subtask;
    private final List<String> open = new ArrayList<>();
    private int openBytes = Framing.HEADER_BYTES;
    private final List<byte[]> closed = new ArrayList<>();
    private boolean timerSet;

    Writer(ProcessingTimeService time, int subtask) {
      this.time = time;
      this.subtask = subtask;
      this.client = options.newClient();
      this.put = new KinesisPut(client, options.stream);
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
      if (!timerSet) {
        timerSet = true;
        time.registerTimer(time.getCurrentProcessingTime() + flushIntervalMs, t -> {
          timerSet = false;
          closeRecord();
          send();
        });
      }
      if (closed.size() >= MAX_ENTRIES_PER_CALL) send();
    }

    private void closeRecord() throws IOException {
      if (open.isEmpty()) return;
      closed.add(Framing.pack(open, gzip));
      open.clear();
      openBytes = Framing.HEADER_BYTES;
    }

    private void send() throws IOException {
      if (closed.isEmpty()) return;
      put.putAll(closed, subtask + "-");
      closed.clear();
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
      closeRecord();
      send();
    }

    @Override
    public void close() throws Exception {
      try {
        flush(true);
      } finally {
        client.close();
      }
    }
  }
}
