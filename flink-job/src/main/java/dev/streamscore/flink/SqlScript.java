package dev.streamscore.flink;

import dev.streamscore.flink.params.JobParams;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The workload's Flink SQL, made runnable: placeholders filled, the shared NEXMark DDL put in
 * front when the script only holds the query, and split into statements.
 *
 * Placeholders ({@code ${NAME}}): {@code SOURCE_WITH} and {@code SINK_WITH} (the options of the
 * streamscore-kinesis source and sink tables, without parentheses), {@code INPUT_STREAM},
 * {@code OUTPUT_STREAM}, every {@code params.NAME}, and {@code interval:NAME} (the parameter NAME,
 * in milliseconds, as {@code INTERVAL '2.5' SECOND}) — the template rules of core's
 * renderSqlTemplate. A placeholder left unfilled is an error. The NEXMark DDL is prepended only
 * when the script declares no source of its own (has no SOURCE_WITH).
 */
public final class SqlScript {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(interval:)?([A-Za-z0-9_.-]+)}");

  private SqlScript() {}

  /** The raw script: job.sql, job.sql-b64 or job.sql-file (one of them). */
  public static String rawText(JobParams p) throws IOException {
    if (p.get("job.sql") != null) return p.get("job.sql");
    if (p.get("job.sql-b64") != null) return new String(Base64.getDecoder().decode(p.get("job.sql-b64")), StandardCharsets.UTF_8);
    // Managed Service runtime properties hold at most 2,048 characters per value, so longer
    // scripts arrive split: job.sql-b64.parts = N and job.sql-b64.0 .. job.sql-b64.(N-1).
    if (p.get("job.sql-b64.parts") != null) {
      int parts = Integer.parseInt(p.get("job.sql-b64.parts").trim());
      StringBuilder b64 = new StringBuilder();
      for (int i = 0; i < parts; i++) {
        String part = p.get("job.sql-b64." + i);
        if (part == null) throw new IllegalArgumentException("job.sql-b64." + i + " is missing (job.sql-b64.parts = " + parts + ")");
        b64.append(part);
      }
      return new String(Base64.getDecoder().decode(b64.toString()), StandardCharsets.UTF_8);
    }
    if (p.get("job.sql-file") != null) return Files.readString(Path.of(p.get("job.sql-file")), StandardCharsets.UTF_8);
    throw new IllegalArgumentException("no SQL given: pass --sql, --sql-b64 or --sql-file (job.sql, job.sql-b64, job.sql-file)");
  }

  /** The options of a streamscore-kinesis table, as the body of a WITH clause. */
  public static String withClause(JobParams p, String role) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("connector", "streamscore-kinesis");
    o.put("stream", p.require(role + ".stream"));
    o.put("aws.region", p.get("aws.region", "us-east-1"));
    String endpoint = p.get("aws.endpoint");
    if (endpoint != null && !endpoint.isEmpty()) o.put("aws.endpoint", endpoint);
    if (p.get("aws.access-key-id") != null) {
      o.put("aws.credentials.provider", "BASIC");
      o.put("aws.credentials.provider.basic.accesskeyid", p.get("aws.access-key-id"));
      o.put("aws.credentials.provider.basic.secretkey", p.get("aws.secret-key", ""));
    }
    if (p.get("aws.cbor") != null) o.put("aws.cbor.enabled", p.get("aws.cbor"));
    for (Map.Entry<String, String> e : p.group(role).entrySet()) {
      if (!e.getKey().equals("stream")) o.put(role.equals("source") ? scanKey(e.getKey()) : sinkKey(e.getKey()), e.getValue());
    }
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : o.entrySet()) {
      if (sb.length() > 0) sb.append(",\n  ");
      sb.append(quote(e.getKey())).append(" = ").append(quote(e.getValue()));
    }
    return sb.toString();
  }

  private static String scanKey(String k) {
    return k.startsWith("scan.") || k.startsWith("aws.") || k.equals("framing") ? k : "scan." + k;
  }

  private static String sinkKey(String k) {
    return k.startsWith("sink.") || k.startsWith("aws.") || k.equals("framing") ? k : "sink." + k;
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  /** Placeholders filled; the NEXMark DDL prepended when needed (job.prelude: auto, nexmark, none). */
  public static String render(JobParams p) throws IOException {
    String text = rawText(p);
    String prelude = p.get("job.prelude", "auto");
    String workload = p.get("job.workload", "");
    boolean addNexmark = prelude.equals("nexmark")
        || (prelude.equals("auto") && workload.startsWith("nexmark/") && !text.contains("${SOURCE_WITH}"));
    if (addNexmark) text = resource("/sql/nexmark-ddl.sql") + "\n" + text;
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : p.group("params").entrySet()) values.put(e.getKey(), e.getValue());
    if (text.contains("${SOURCE_WITH}")) values.put("SOURCE_WITH", withClause(p, "source"));
    if (text.contains("${SINK_WITH}")) values.put("SINK_WITH", withClause(p, "sink"));
    if (p.get("source.stream") != null) values.put("INPUT_STREAM", p.get("source.stream"));
    if (p.get("sink.stream") != null) values.put("OUTPUT_STREAM", p.get("sink.stream"));
    return fill(text, values);
  }

  static String fill(String text, Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder();
    TreeSet<String> missing = new TreeSet<>();
    while (m.find()) {
      String v = values.get(m.group(2));
      if (v != null && m.group(1) != null) v = interval(v);
      if (v == null) {
        missing.add(m.group(1) == null ? m.group(2) : "interval:" + m.group(2));
        v = m.group();
      }
      m.appendReplacement(out, Matcher.quoteReplacement(v));
    }
    m.appendTail(out);
    if (!missing.isEmpty()) throw new IllegalArgumentException("the SQL has placeholders no parameter fills: " + missing);
    return out.toString();
  }

  /** Milliseconds as a SQL interval literal: 10000 → INTERVAL '10' SECOND, 2500 → INTERVAL '2.5' SECOND. */
  static String interval(String ms) {
    long v = Long.parseLong(ms.trim());
    if (v < 0) throw new IllegalArgumentException("an interval must be ≥ 0 ms (got " + ms + ")");
    String seconds = v % 1000 == 0 ? Long.toString(v / 1000)
        : (v / 1000) + "." + String.format("%03d", v % 1000).replaceAll("0+$", "");
    return "INTERVAL '" + seconds + "' SECOND";
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = SqlScript.class.getResourceAsStream(name)) {
      if (in == null) throw new IOException("resource " + name + " is missing from the jar");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Statements separated by ';' outside quotes, back-quotes and comments; comments dropped. */
  public static List<String> split(String script) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    int n = script.length();
    for (int i = 0; i < n; i++) {
      char c = script.charAt(i);
      if (c == '-' && i + 1 < n && script.charAt(i + 1) == '-') {
        while (i < n && script.charAt(i) != '\n') i++;
        cur.append('\n');
      } else if (c == '/' && i + 1 < n && script.charAt(i + 1) == '*') {
        int end = script.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 1;
        cur.append(' ');
      } else if (c == '\'' || c == '`' || c == '"') {
        int j = i + 1;
        while (j < n) {
          if (script.charAt(j) == c) {
            if (j + 1 < n && script.charAt(j + 1) == c) {
              j += 2;
              continue;
            }
            break;
          }
          j++;
        }
        cur.append(script, i, Math.min(j + 1, n));
        i = j;
      } else if (c == ';') {
        add(out, cur);
      } else {
        cur.append(c);
      }
    }
    add(out, cur);
    return out;
  }

  private static void add(List<String> out, StringBuilder cur) {
    String s = cur.toString().trim();
    if (!s.isEmpty()) out.add(s);
    cur.setLength(0);
  }
}
