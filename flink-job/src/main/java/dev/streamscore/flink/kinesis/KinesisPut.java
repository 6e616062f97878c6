package dev.streamscore.flink.kinesis;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

/**
 * Writes records to a stream with PutRecords (≤ 500 records, < 5 MiB per call), retrying failed
 * entries (throttled ones among them) with exponential backoff. Synchronous, so a slow stream
 * backpressures the caller. Both sinks write through it.
 */
final class KinesisPut {
  private static final int MAX_ENTRIES_PER_CALL = 500;
  private static final int MAX_BYTES_PER_CALL = 5 * 1024 * 1024 - 64 * 1024;

  private final KinesisClient client;
  private final String stream;
  private long keyCounter;

  KinesisPut(KinesisClient client, String stream) {
    this.client = client;
    this.stream = stream;
  }

  /** Writes every record; partition keys are {@code keyPrefix} + a counter. */
  void putAll(List<byte[]> records, String keyPrefix) throws IOException {
    int from = 0;
    while (from < records.size()) {
      int to = from;
      int bytes = 0;
      while (to < records.size() && to - from < MAX_ENTRIES_PER_CALL && (to == from || bytes + records.get(to).length <= MAX_BYTES_PER_CALL)) {
        bytes += records.get(to).length;
        to++;
      }
      putWithRetries(records.subList(from, to), keyPrefix);
      from = to;
    }
  }

  private void putWithRetries(List<byte[]> records, String keyPrefix) throws IOException {
    List<byte[]> pending = records;
    long backoffMs = 50;
    for (int attempt = 0; ; attempt++) {
      List<PutRecordsRequestEntry> entries = new ArrayList<>(pending.size());
      for (byte[] r : pending) {
        entries.add(PutRecordsRequestEntry.builder()
            .partitionKey(keyPrefix + (keyCounter++))
            .data(SdkBytes.fromByteArrayUnsafe(r))
            .build());
      }
      List<byte[]> failed = new ArrayList<>();
      try {
        PutRecordsResponse resp = client.putRecords(PutRecordsRequest.builder().streamName(stream).records(entries).build());
        if (resp.failedRecordCount() != null && resp.failedRecordCount() > 0) {
          List<PutRecordsResultEntry> results = resp.records();
          for (int i = 0; i < results.size(); i++) if (results.get(i).errorCode() != null) failed.add(pending.get(i));
        }
      } catch (RuntimeException e) {
        if (attempt >= 8) throw new IOException("PutRecords to " + stream + " failed: " + e.getMessage(), e);
        failed = pending;
      }
      if (failed.isEmpty()) return;
      if (attempt >= 20) throw new IOException(failed.size() + " records could not be written to " + stream);
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
}
