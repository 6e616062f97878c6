package dev.streamscore.flink.kinesis;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * streamscore's Kinesis record framing ({@code streamscore-ndjson-v1}, docs/transport.md): many
 * JSON events per record.
 *
 * <pre>
 * offset size field
 * 0      2    magic 0x53 0x46 ("SF")
 * 2      1    version 0x01
 * 3      1    codec 0x00 = NDJSON, 0x01 = gzip-compressed NDJSON
 * 4      4    count, unsigned 32-bit big-endian
 * 8      ...  UTF-8 JSON texts, each followed by LF; gzipped if codec 1
 * </pre>
 *
 * An unframed record is read as plain JSON text (one object or NDJSON, gzipped or not), as the
 * TypeScript side does.
 */
public final class Framing {
  public static final String NAME = "streamscore-ndjson-v1";
  public static final int HEADER_BYTES = 8;
  public static final byte MAGIC_0 = 0x53;
  public static final byte MAGIC_1 = 0x46;
  public static final byte VERSION = 1;
  public static final byte CODEC_NDJSON = 0;
  public static final byte CODEC_GZIP = 1;
  /** Kinesis's limit for data + partition key is 1 MiB; the key may take up to 256 bytes. */
  public static final int MAX_RECORD_BYTES = 1024 * 1024 - 256;

  private Framing() {}

  public static boolean isFramed(byte[] data) {
    return data.length >= HEADER_BYTES && data[0] == MAGIC_0 && data[1] == MAGIC_1;
  }

  /** The JSON texts of one record, in order. */
  public static List<String> unpack(byte[] data) throws IOException {
    if (isFramed(data)) {
      if (data[2] != VERSION) throw new IOException("unsupported framing version " + data[2]);
      long count = ((data[4] & 0xffL) << 24) | ((data[5] & 0xff) << 16) | ((data[6] & 0xff) << 8) | (data[7] & 0xff);
      byte[] payload;
      if (data[3] == CODEC_NDJSON) {
        payload = java.util.Arrays.copyOfRange(data, HEADER_BYTES, data.length);
      } else if (data[3] == CODEC_GZIP) {
        payload = gunzip(new ByteArrayInputStream(data, HEADER_BYTES, data.length - HEADER_BYTES));
      } else {
        throw new IOException("unknown framing codec " + data[3]);
      }
      List<String> lines = splitLines(new String(payload, StandardCharsets.UTF_8));
      if (lines.size() != count) {
        throw new IOException("record header says " + count + " events but its payload holds " + lines.size());
      }
      return lines;
    }
    byte[] raw = data.length >= 2 && (data[0] & 0xff) == 0x1f && (data[1] & 0xff) == 0x8b
        ? gunzip(new ByteArrayInputStream(data)) : data;
    return splitLines(new String(raw, StandardCharsets.UTF_8));
  }

  private static List<String> splitLines(String text) {
    List<String> out = new ArrayList<>();
    int pos = 0;
    int n = text.length();
    while (pos < n) {
      int nl = text.indexOf('\n', pos);
      if (nl < 0) nl = n;
      String line = text.substring(pos, nl).trim();
      if (!line.isEmpty()) out.add(line);
      pos = nl + 1;
    }
    return out;
  }

  private static byte[] gunzip(InputStream in) throws IOException {
    try (GZIPInputStream z = new GZIPInputStream(in)) {
      return z.readAllBytes();
    }
  }

  /** One framed record holding the given JSON texts (none may contain a raw LF). */
  public static byte[] pack(List<String> jsonTexts, boolean gzip) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (String s : jsonTexts) {
      body.write(s.getBytes(StandardCharsets.UTF_8));
      body.write('\n');
    }
    byte[] payload = body.toByteArray();
    if (gzip) {
      ByteArrayOutputStream z = new ByteArrayOutputStream();
      try (GZIPOutputStream g = new GZIPOutputStream(z)) {
        g.write(payload);
      }
      payload = z.toByteArray();
    }
    byte[] out = new byte[HEADER_BYTES + payload.length];
    out[0] = MAGIC_0;
    out[1] = MAGIC_1;
    out[2] = VERSION;
    out[3] = gzip ? CODEC_GZIP : CODEC_NDJSON;
    int count = jsonTexts.size();
    out[4] = (byte) (count >>> 24);
    out[5] = (byte) (count >>> 16);
    out[6] = (byte) (count >>> 8);
    out[7] = (byte) count;
    System.arraycopy(payload, 0, out, HEADER_BYTES, payload.length);
    return out;
  }
}
