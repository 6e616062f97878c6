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
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

/**
 * Writes output rows to a Kinesis stream as JSON, packed many to a record in streamscore's
 * framing. A record is closed when it reaches {@code recordBytes} or when {@code flushIntervalMs}
 * has passed since the first row in it; records go out with PutRecords (≤ 500 per call),
 * failed entries retried with backoff. Writes are synchronous, so a slow stream backpressures
 * the job instead of buffering without bound.
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
    private static final int MAX_BYTES_PER_CALL = 5 * 1024 * 1024 - 64 * 1024;

    private final ProcessingTimeService time;
    private final KinesisClient client;
    private final int subtask;
    private final List<String> open = new ArrayList<>();
    private int openBytes = Framing.HEADER_BYTES;
    private final List<byte[]> closed = new ArrayList<>();
    private long keyCounter;
    private boolean timerSet;

    Writer(ProcessingTimeService time, int subtask) {
      this.time = time;
      this.subtask = subtask;
      this.client = options.newClient();
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
      while (!closed.isEmpty()) {
        List<byte[]> batch = new ArrayList<>();
        int bytes = 0;
        for (byte[] r : closed) {
          if (batch.size() == MAX_ENTRIES_PER_CALL || (bytes + r.length > MAX_BYTES_PER_CALL && !batch.isEmpty())) break;
          batch.add(r);
          bytes += r.length;
        }
        putWithRetries(batch);
        closed.subList(0, batch.size()).clear();
      }
    }

    private void putWithRetries(List<byte[]> records) throws IOException {
      List<byte[]> pending = records;
      long backoffMs = 50;
      for (int attempt = 0; ; attempt++) {
        List<PutRecordsRequestEntry> entries = new ArrayList<>(pending.size());
        for (byte[] r : pending) {
          entries.add(PutRecordsRequestEntry.builder()
              .partitionKey(subtask + "-" + (keyCounter++))
              .data(SdkBytes.fromByteArrayUnsafe(r))
              .build());
        }
        List<byte[]> failed = new ArrayList<>();
        try {
          PutRecordsResponse resp = client.putRecords(PutRecordsRequest.builder().streamName(options.stream).records(entries).build());
          if (resp.failedRecordCount() != null && resp.failedRecordCount() > 0) {
            List<PutRecordsResultEntry> results = resp.records();
            for (int i = 0; i < results.size(); i++) if (results.get(i).errorCode() != null) failed.add(pending.get(i));
          }
        } catch (RuntimeException e) {
          if (attempt >= 8) throw new IOException("PutRecords to " + options.stream + " failed: " + e.getMessage(), e);
          failed = pending;
        }
        if (failed.isEmpty()) return;
        if (attempt >= 20) throw new IOException(failed.size() + " records could not be written to " + options.stream);
        try {
          Thread.sleep(backoffMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while retrying PutRecords", e);
        }
        backoffMs = Math.min(backoffMs * 2, 2_000);
        pending = failed;
      }
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
