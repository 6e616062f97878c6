package dev.streamscore.flink.kinesis;

import java.io.IOException;
import java.io.Serializable;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;

/**
 * Turns one JSON event into a row of the source table's physical schema, by column name:
 * <ul>
 *   <li>{@code event_type INT}: the event's {@code event_type}, or its {@code type} mapped as
 *       NEXMark's Flink DDL does (person 0, auction 1, bid 2);</li>
 *   <li>a ROW column named like the event's {@code type} ({@code person}, {@code auction},
 *       {@code bid}) is filled from the event's own fields; other ROW columns from a nested
 *       object of that name, else NULL;</li>
 *   <li>any other column from the field of the same name (flat events, e.g. YSB).</li>
 * </ul>
 * Timestamps are epoch milliseconds (or ISO-8601 text) and are read as UTC.
 */
public final class EventRowDecoder implements Serializable {
  private static final long serialVersionUID = 1L;

  private final RowType rowType;
  private transient ObjectMapper mapper;

  public EventRowDecoder(RowType rowType) {
    this.rowType = rowType;
  }

  /** The row for one JSON text; null for a blank line. */
  public RowData decode(String json) throws IOException {
    if (mapper == null) mapper = new ObjectMapper();
    JsonNode event = mapper.readTree(json);
    if (event == null || !event.isObject()) throw new IOException("event is not a JSON object: " + abbreviate(json));
    String type = event.hasNonNull("type") ? event.get("type").asText() : null;
    List<RowType.RowField> fields = rowType.getFields();
    GenericRowData row = new GenericRowData(fields.size());
    for (int i = 0; i < fields.size(); i++) {
      RowType.RowField f = fields.get(i);
      String name = f.getName();
      LogicalType t = f.getType();
      if (t instanceof RowType) {
        JsonNode source = name.equals(type) ? event : event.get(name);
        row.setField(i, source == null || !source.isObject() ? null : convert(source, t));
      } else if ("event_type".equals(name) && !event.has("event_type")) {
        row.setField(i, convert(eventTypeCode(type), t));
      } else {
        row.setField(i, convert(event.get(name), t));
      }
    }
    return row;
  }

  private static Object eventTypeCode(String type) {
    if (type == null) return null;
    switch (type) {
      case "person": return 0;
      case "auction": return 1;
      case "bid": return 2;
      default: return null;
    }
  }

  private static Object convert(Object value, LogicalType t) throws IOException {
    if (value == null) return null;
    if (value instanceof Integer) {
      int v = (Integer) value;
      switch (t.getTypeRoot()) {
        case INTEGER: return v;
        case BIGINT: return (long) v;
        default: return null;
      }
    }
    return convert((JsonNode) value, t);
  }

  private static Object convert(JsonNode v, LogicalType t) throws IOException {
    if (v == null || v.isNull() || v.isMissingNode()) return null;
    switch (t.getTypeRoot()) {
      case CHAR:
      case VARCHAR:
        return StringData.fromString(v.isTextual() ? v.asText() : v.toString());
      case BOOLEAN:
        return v.asBoolean();
      case TINYINT:
        return (byte) v.asInt();
      case SMALLINT:
        return (short) v.asInt();
      case INTEGER:
        return v.asInt();
      case BIGINT:
        return v.isTextual() ? Long.parseLong(v.asText()) : v.asLong();
      case FLOAT:
        return (float) v.asDouble();
      case DOUBLE:
        return v.asDouble();
      case DECIMAL: {
        DecimalType d = (DecimalType) t;
        BigDecimal b = v.isNumber() ? v.decimalValue() : new BigDecimal(v.asText());
        return DecimalData.fromBigDecimal(b.setScale(d.getScale(), java.math.RoundingMode.HALF_UP), d.getPrecision(), d.getScale());
      }
      case TIMESTAMP_WITHOUT_TIME_ZONE:
      case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
        if (v.isNumber()) return TimestampData.fromEpochMillis(v.asLong());
        return TimestampData.fromInstant(parseInstant(v.asText()));
      case ROW: {
        RowType rt = (RowType) t;
        List<RowType.RowField> fields = rt.getFields();
        GenericRowData row = new GenericRowData(fields.size());
        for (int i = 0; i < fields.size(); i++) row.setField(i, convert(v.get(fields.get(i).getName()), fields.get(i).getType()));
        return row;
      }
      default:
        throw new IOException("streamscore-kinesis: column type " + t + " is not supported");
    }
  }

  private static Instant parseInstant(String s) {
    if (s.matches("^\\d+$")) return Instant.ofEpochMilli(Long.parseLong(s));
    if (s.endsWith("Z") || s.matches(".*[+-]\\d\\d:?\\d\\d$")) return Instant.parse(s.replace(' ', 'T'));
    return LocalDateTime.parse(s.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
  }

  private static String abbreviate(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }
}
