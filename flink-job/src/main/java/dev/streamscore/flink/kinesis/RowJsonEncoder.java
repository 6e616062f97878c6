package dev.streamscore.flink.kinesis;

import java.io.Serializable;
import java.util.List;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.types.RowKind;

/**
 * One output row as a flat JSON object, columns named as in the sink table: numbers as JSON
 * numbers (DECIMAL exactly, as a number), timestamps as epoch milliseconds (UTC), strings as
 * strings. A DELETE carries {@code "_op":"delete"} (the checker's upsert rule); UPDATE_BEFORE
 * rows are not written (the UPDATE_AFTER that follows carries the new state).
 */
public final class RowJsonEncoder implements Serializable {
  private static final long serialVersionUID = 1L;

  private final RowType rowType;
  private transient ObjectMapper mapper;
  private transient RowData.FieldGetter[] getters;

  public RowJsonEncoder(RowType rowType) {
    this.rowType = rowType;
  }

  /** The JSON text of a row, or null when the row is not written. */
  public String encode(RowData row) throws Exception {
    if (row.getRowKind() == RowKind.UPDATE_BEFORE) return null;
    if (mapper == null) {
      mapper = new ObjectMapper();
      List<RowType.RowField> fields = rowType.getFields();
      getters = new RowData.FieldGetter[fields.size()];
      for (int i = 0; i < fields.size(); i++) getters[i] = RowData.createFieldGetter(fields.get(i).getType(), i);
    }
    ObjectNode node = mapper.createObjectNode();
    List<RowType.RowField> fields = rowType.getFields();
    for (int i = 0; i < fields.size(); i++) {
      RowType.RowField f = fields.get(i);
      put(node, f.getName(), getters[i].getFieldOrNull(row), f.getType());
    }
    if (row.getRowKind() == RowKind.DELETE) node.put("_op", "delete");
    return mapper.writeValueAsString(node);
  }

  private static void put(ObjectNode node, String name, Object v, LogicalType t) {
    if (v == null) {
      node.putNull(name);
      return;
    }
    switch (t.getTypeRoot()) {
      case CHAR:
      case VARCHAR:
        node.put(name, v.toString());
        break;
      case BOOLEAN:
        node.put(name, (Boolean) v);
        break;
      case TINYINT:
        node.put(name, (Byte) v);
        break;
      case SMALLINT:
        node.put(name, (Short) v);
        break;
      case INTEGER:
        node.put(name, (Integer) v);
        break;
      case BIGINT:
        node.put(name, (Long) v);
        break;
      case FLOAT:
        node.put(name, (Float) v);
        break;
      case DOUBLE:
        node.put(name, (Double) v);
        break;
      case DECIMAL:
        node.put(name, ((org.apache.flink.table.data.DecimalData) v).toBigDecimal());
        break;
      case TIMESTAMP_WITHOUT_TIME_ZONE:
      case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
        node.put(name, ((org.apache.flink.table.data.TimestampData) v).getMillisecond());
        break;
      default:
        node.put(name, v.toString());
    }
  }

}
