package dev.streamscore.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamscore.flink.kinesis.EventRowDecoder;
import dev.streamscore.flink.kinesis.Framing;
import dev.streamscore.flink.kinesis.RowJsonEncoder;
import dev.streamscore.flink.params.JobParams;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

class JobPiecesTest {
  @Test
  void framingRoundTripsPlainAndGzip() throws Exception {
    List<String> events = List.of("{\"a\":1}", "{\"b\":\"x\\ny\"}");
    for (boolean gzip : new boolean[] {false, true}) {
      byte[] rec = Framing.pack(events, gzip);
      assertEquals('S', rec[0]);
      assertEquals('F', rec[1]);
      assertEquals(gzip ? 1 : 0, rec[3]);
      assertEquals(2, rec[7]);
      assertEquals(events, Framing.unpack(rec));
    }
    // Unframed NDJSON is read too, as the TypeScript reader does.
    assertEquals(events, Framing.unpack("{\"a\":1}\n{\"b\":\"x\\ny\"}\n".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void framingRejectsAWrongCount() throws Exception {
    byte[] rec = Framing.pack(List.of("{}", "{}"), false);
    rec[7] = 3;
    assertThrows(java.io.IOException.class, () -> Framing.unpack(rec));
  }

  @Test
  void decodesNexmarkEventsIntoTheTypedRowsOfTheDdl() throws Exception {
    RowType schema = (RowType) DataTypes.ROW(
        DataTypes.FIELD("event_type", DataTypes.INT()),
        DataTypes.FIELD("person", DataTypes.ROW(DataTypes.FIELD("id", DataTypes.BIGINT()), DataTypes.FIELD("dateTime", DataTypes.TIMESTAMP(3)))),
        DataTypes.FIELD("bid", DataTypes.ROW(
            DataTypes.FIELD("auction", DataTypes.BIGINT()),
            DataTypes.FIELD("price", DataTypes.BIGINT()),
            DataTypes.FIELD("channel", DataTypes.STRING()),
            DataTypes.FIELD("dateTime", DataTypes.TIMESTAMP(3))))).getLogicalType();
    EventRowDecoder d = new EventRowDecoder(schema);
    RowData bid = d.decode("{\"type\":\"bid\",\"auction\":1001,\"bidder\":7,\"price\":250,\"dateTime\":1436918400123,\"extra\":\"\"}");
    assertEquals(2, bid.getInt(0));
    assertTrue(bid.isNullAt(1));
    RowData b = bid.getRow(2, 4);
    assertEquals(1001L, b.getLong(0));
    assertEquals(250L, b.getLong(1));
    assertTrue(b.isNullAt(2));
    assertEquals(1436918400123L, b.getTimestamp(3, 3).getMillisecond());
    RowData person = d.decode("{\"type\":\"person\",\"id\":1000,\"dateTime\":1436918400000}");
    assertEquals(0, person.getInt(0));
    assertEquals(1000L, person.getRow(1, 2).getLong(0));
    assertTrue(person.isNullAt(2));
  }

  @Test
  void encodesRowsAsFlatJsonWithEpochMillisAndDeletes() throws Exception {
    RowType schema = (RowType) DataTypes.ROW(
        DataTypes.FIELD("auction", DataTypes.BIGINT()),
        DataTypes.FIELD("price", DataTypes.DECIMAL(23, 3)),
        DataTypes.FIELD("name", DataTypes.STRING()),
        DataTypes.FIELD("dateTime", DataTypes.TIMESTAMP(3))).getLogicalType();
    RowJsonEncoder e = new RowJsonEncoder(schema);
    GenericRowData row = GenericRowData.of(5L, org.apache.flink.table.data.DecimalData.fromBigDecimal(new java.math.BigDecimal("1.500"), 23, 3),
        StringData.fromString("x"), TimestampData.fromEpochMillis(1436918410000L));
    assertEquals("{\"auction\":5,\"price\":1.500,\"name\":\"x\",\"dateTime\":1436918410000}", e.encode(row));
    row.setRowKind(RowKind.UPDATE_BEFORE);
    assertNull(e.encode(row));
    row.setRowKind(RowKind.DELETE);
    assertTrue(e.encode(row).endsWith(",\"_op\":\"delete\"}"));
  }

  @Test
  void paramsComeFromFlagsAndManagedServiceLayoutFiles() throws Exception {
    java.nio.file.Path f = java.nio.file.Files.createTempFile("props", ".json");
    java.nio.file.Files.writeString(f, "[{\"PropertyGroupId\":\"source\",\"PropertyMap\":{\"stream\":\"in-from-file\"}},"
        + "{\"PropertyGroupId\":\"job\",\"PropertyMap\":{\"workload\":\"nexmark/q0\",\"parallelism\":\"4\"}}]");
    JobParams p = JobParams.load(new String[] {"--properties-file", f.toString(), "--parallelism", "2", "--output-stream=out"});
    assertEquals("in-from-file", p.get("source.stream"));
    assertEquals("nexmark/q0", p.get("job.workload"));
    assertEquals("2", p.get("job.parallelism"));
    assertEquals("out", p.get("sink.stream"));
  }

  @Test
  void rendersTheScriptWithThePreludeAndSplitsIt() throws Exception {
    JobParams p = JobParams.of(Map.of(
        "job.workload", "nexmark/q0",
        "job.sql", "CREATE TABLE q (a BIGINT) WITH (${SINK_WITH}); -- a comment; with a semicolon\nINSERT INTO q SELECT auction FROM bid WHERE extra <> ';'",
        "source.stream", "in",
        "sink.stream", "out",
        "aws.endpoint", "http://127.0.0.1:4567"));
    List<String> s = SqlScript.split(SqlScript.render(p));
    assertEquals(6, s.size()); // nexmark table, 3 views, sink table, insert
    assertTrue(s.get(0).startsWith("CREATE TABLE nexmark"));
    assertTrue(s.get(0).contains("'stream' = 'in'"));
    assertTrue(s.get(4).contains("'stream' = 'out'"));
    assertTrue(s.get(5).endsWith("extra <> ';'"));
    JobParams withInterval = JobParams.of(Map.of("job.sql", "SELECT ${interval:w}, ${interval:h}", "params.w", "10000", "params.h", "2500"));
    assertEquals("SELECT INTERVAL '10' SECOND, INTERVAL '2.5' SECOND", SqlScript.render(withInterval));
    JobParams missing = JobParams.of(Map.of("job.sql", "SELECT ${windowSize}", "job.prelude", "none"));
    assertThrows(IllegalArgumentException.class, () -> SqlScript.render(missing));
  }

  @Test
  void joinsASqlScriptSplitIntoRuntimePropertyParts() throws Exception {
    String sql = "SELECT 1;\n-- " + "x".repeat(3000);
    String b64 = java.util.Base64.getEncoder().encodeToString(sql.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    java.util.Map<String, String> m = new java.util.HashMap<>();
    int parts = 0;
    for (int i = 0; i < b64.length(); i += 2048) m.put("job.sql-b64." + parts++, b64.substring(i, Math.min(b64.length(), i + 2048)));
    m.put("job.sql-b64.parts", String.valueOf(parts));
    assertTrue(parts > 1);
    org.junit.jupiter.api.Assertions.assertEquals(sql, SqlScript.rawText(dev.streamscore.flink.params.JobParams.of(m)));
  }
}
