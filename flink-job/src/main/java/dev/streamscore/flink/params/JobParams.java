package dev.streamscore.flink.params;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The job's parameters, one flat map of {@code group.key} names. The groups mirror Managed
 * Service for Apache Flink's runtime properties (a property group id and its key/value map), so
 * the same layout comes from any of these sources, later ones overriding earlier ones:
 * <ol>
 *   <li>the Managed Service's runtime properties, when the job runs there
 *       ({@code KinesisAnalyticsRuntime.getApplicationProperties()}, found by reflection so the
 *       jar does not depend on it);</li>
 *   <li>a file given by {@code --properties-file}: JSON in the Managed Service's
 *       {@code PropertyGroups} layout ({@code [{"PropertyGroupId": g, "PropertyMap": {k: v}}]}),
 *       a JSON object of objects ({@code {g: {k: v}}}), or Java properties ({@code g.k=v});</li>
 *   <li>command-line flags {@code --g.k value} (or {@code --g.k=value}) and the shorthands in
 *       {@link #SHORTHANDS}.</li>
 * </ol>
 * Groups: {@code job} (workload, parallelism, sql, sql-b64, sql-file, prelude, name),
 * {@code source} / {@code sink} (stream and connector options), {@code aws} (region, endpoint,
 * cbor, access-key-id, secret-key), {@code params} (the workload's parameters, substituted into
 * the SQL as ${NAME}), {@code flink} (Flink configuration keys set on the table environment).
 */
public final class JobParams {
  public static final Map<String, String> SHORTHANDS = Map.ofEntries(
      Map.entry("workload", "job.workload"),
      Map.entry("parallelism", "job.parallelism"),
      Map.entry("sql", "job.sql"),
      Map.entry("sql-b64", "job.sql-b64"),
      Map.entry("sql-file", "job.sql-file"),
      Map.entry("prelude", "job.prelude"),
      Map.entry("name", "job.name"),
      Map.entry("input-stream", "source.stream"),
      Map.entry("output-stream", "sink.stream"),
      Map.entry("region", "aws.region"),
      Map.entry("endpoint", "aws.endpoint"),
      Map.entry("cbor", "aws.cbor"),
      Map.entry("access-key-id", "aws.access-key-id"),
      Map.entry("secret-key", "aws.secret-key"));

  private final Map<String, String> values;

  private JobParams(Map<String, String> values) {
    this.values = values;
  }

  public static JobParams of(Map<String, String> values) {
    return new JobParams(new TreeMap<>(values));
  }

  /** Runtime properties (if any), then the properties file, then the flags. */
  public static JobParams load(String[] args) throws IOException {
    Map<String, String> flags = parseArgs(args);
    Map<String, String> merged = new TreeMap<>(managedServiceProperties());
    String file = flags.get("properties-file");
    if (file != null) merged.putAll(parseFile(Path.of(file)));
    flags.remove("properties-file");
    merged.putAll(flags);
    return new JobParams(merged);
  }

  static Map<String, String> parseArgs(String[] args) {
    Map<String, String> out = new TreeMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) throw new IllegalArgumentException("unexpected argument " + a + " (flags are --group.key value)");
      String key = a.substring(2);
      String value;
      int eq = key.indexOf('=');
      if (eq >= 0) {
        value = key.substring(eq + 1);
        key = key.substring(0, eq);
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        value = args[++i];
      } else {
        value = "true";
      }
      out.put(SHORTHANDS.getOrDefault(key, key), value);
    }
    return out;
  }

  static Map<String, String> parseFile(Path path) throws IOException {
    String text = Files.readString(path, StandardCharsets.UTF_8);
    return parseText(text);
  }

  static Map<String, String> parseText(String text) throws IOException {
    Map<String, String> out = new TreeMap<>();
    String t = text.trim();
    if (t.startsWith("[") || t.startsWith("{")) {
      JsonNode root = new ObjectMapper().readTree(t);
      if (root.isObject() && root.has("PropertyGroups")) root = root.get("PropertyGroups");
      if (root.isArray()) {
        for (JsonNode g : root) {
          String group = g.path("PropertyGroupId").asText();
          g.path("PropertyMap").fields().forEachRemaining(e -> out.put(group + "." + e.getKey(), e.getValue().asText()));
        }
      } else {
        root.fields().forEachRemaining(g -> g.getValue().fields()
            .forEachRemaining(e -> out.put(g.getKey() + "." + e.getKey(), e.getValue().asText())));
      }
    } else {
      Properties p = new Properties();
      p.load(new StringReader(text));
      for (String k : p.stringPropertyNames()) out.put(k, p.getProperty(k));
    }
    return out;
  }

  /** KinesisAnalyticsRuntime.getApplicationProperties(), when that class is on the classpath. */
  @SuppressWarnings("unchecked")
  static Map<String, String> managedServiceProperties() {
    Map<String, String> out = new TreeMap<>();
    try {
      Class<?> c = Class.forName("com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime");
      Map<String, Properties> groups = (Map<String, Properties>) c.getMethod("getApplicationProperties").invoke(null);
      for (Map.Entry<String, Properties> g : groups.entrySet()) {
        for (String k : g.getValue().stringPropertyNames()) out.put(g.getKey() + "." + k, g.getValue().getProperty(k));
      }
    } catch (ClassNotFoundException e) {
      // Not on the Managed Service: nothing to read.
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("could not read the application's runtime properties: " + e, e);
    }
    return out;
  }

  public String get(String key) {
    return values.get(key);
  }

  public String get(String key, String fallback) {
    String v = values.get(key);
    return v == null || v.isEmpty() ? fallback : v;
  }

  public String require(String key) {
    String v = values.get(key);
    if (v == null || v.isEmpty()) throw new IllegalArgumentException("missing parameter " + key + " (flag --" + key + ")");
    return v;
  }

  /** Every key of a group, without the group prefix. */
  public Map<String, String> group(String group) {
    Map<String, String> out = new TreeMap<>();
    String prefix = group + ".";
    for (Map.Entry<String, String> e : values.entrySet()) {
      if (e.getKey().startsWith(prefix)) out.put(e.getKey().substring(prefix.length()), e.getValue());
    }
    return out;
  }

  /** All values with secrets masked, for logs. */
  public Map<String, String> redacted() {
    Map<String, String> out = new TreeMap<>(values);
    out.replaceAll((k, v) -> k.contains("secret") || k.startsWith("job.sql") ? "<" + v.length() + " chars>" : v);
    return out;
  }
}
