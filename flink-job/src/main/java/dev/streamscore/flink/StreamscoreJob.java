package dev.streamscore.flink;

import dev.streamscore.flink.params.JobParams;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * streamscore's Flink application: runs one workload's Flink SQL between a streamscore-kinesis
 * source table (the run's input stream) and a streamscore-kinesis sink table (its output
 * stream). Parameters: see {@link JobParams}; {@code --print-sql} prints the rendered script and
 * exits without running anything.
 */
public final class StreamscoreJob {
  private static final Logger LOG = LoggerFactory.getLogger(StreamscoreJob.class);
  private static final Pattern SET = Pattern.compile("(?is)^SET\\s+'([^']+)'\\s*=\\s*'([^']*)'$");

  private StreamscoreJob() {}

  public static void main(String[] args) throws Exception {
    JobParams p = JobParams.load(args);
    String script = SqlScript.render(p);
    List<String> statements = SqlScript.split(script);
    if ("true".equals(p.get("print-sql"))) {
      for (String s : statements) System.out.println(s + ";\n");
      return;
    }
    LOG.info("streamscore job parameters: {}", p.redacted());

    // Checkpointing, state backend and restart strategy (the `flink` group) configure the
    // environment itself: set on the table config alone they would come too late for the graph.
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.configure(Configuration.fromMap(p.group("flink")));
    String parallelism = p.get("job.parallelism");
    if (parallelism != null && !parallelism.isEmpty()) env.setParallelism(Integer.parseInt(parallelism));
    StreamTableEnvironment tEnv = StreamTableEnvironment.create(env, EnvironmentSettings.inStreamingMode());
    tEnv.getConfig().set("table.local-time-zone", "UTC");
    // A source subtask without a shard would otherwise hold every downstream watermark back.
    tEnv.getConfig().set("table.exec.source.idle-timeout", p.get("flink.table.exec.source.idle-timeout", "5 s"));
    tEnv.getConfig().set("pipeline.name", p.get("job.name", "streamscore " + p.get("job.workload", "job")));
    for (Map.Entry<String, String> e : p.group("flink").entrySet()) tEnv.getConfig().set(e.getKey(), e.getValue());

    StatementSet inserts = tEnv.createStatementSet();
    int count = 0;
    for (String s : statements) {
      Matcher set = SET.matcher(s);
      if (set.matches()) {
        tEnv.getConfig().set(set.group(1), set.group(2));
      } else if (s.regionMatches(true, 0, "INSERT", 0, 6) || s.regionMatches(true, 0, "EXECUTE", 0, 7)) {
        inserts.addInsertSql(s);
        count++;
      } else {
        tEnv.executeSql(s);
      }
    }
    if (count == 0) throw new IllegalArgumentException("the SQL has no INSERT INTO statement: nothing would be written to the sink");
    TableResult result = inserts.execute();
    result.getJobClient().ifPresent(c -> LOG.info("submitted job {}", c.getJobID()));
  }
}
