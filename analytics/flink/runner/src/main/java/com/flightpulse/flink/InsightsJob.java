// The Managed Flink application's entry point: runs the SQL of sql/flink/ (bundled in this jar) as one
// job. DDL and views run first; every INSERT joins one statement set, because Managed Flink runs one job
// per application. In file mode (tests, the benchmark) the Kinesis tables are re-pointed at JSON-lines
// files, so the exact same queries run over a known event set with deterministic watermarks.
package com.flightpulse.flink;

import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamStatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.catalog.Catalog;
import org.apache.flink.table.catalog.CatalogBaseTable;
import org.apache.flink.table.catalog.CatalogTable;
import org.apache.flink.table.catalog.ObjectPath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class InsightsJob {
  private static final Logger LOG = LoggerFactory.getLogger(InsightsJob.class);
  static final String SOURCE_TABLE = "booking_events";
  static final String JOB_NAME = "flightpulse-demand-insights";

  private InsightsJob() {}

  public static void main(String[] args) throws Exception {
    JobSettings settings = JobSettings.load(args);
    Configuration config = new Configuration();
    if (settings.local) {
      // Locally a failure should end the process and say why, not restart the job forever.
      config.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
      // The local stack asks the MiniCluster's REST API whether the job runs; only on loopback.
      config.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
      config.set(RestOptions.ADDRESS, "127.0.0.1");
      if (settings.restPort >= 0) config.set(RestOptions.BIND_PORT, Integer.toString(settings.restPort));
      // Managed Flink restores its snapshots itself; locally the control endpoint names the savepoint.
      if (settings.savepointPath != null) {
        config.setString("execution.savepoint.path", settings.savepointPath);
        config.setString("execution.savepoint.ignore-unclaimed-state", Boolean.toString(settings.allowNonRestoredState));
      }
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    boolean files = settings.sourceFile != null;
    if (settings.parallelism > 0) env.setParallelism(settings.parallelism);
    // SQL operators never hold on to input rows, so the chained source can hand each row to its four
    // window branches without a copy per branch (the profile's largest cost: bench/RESULTS.md).
    env.getConfig().enableObjectReuse();
    if (files) {
      // A watermark after every record (not every 200 ms): lateness then depends on the order of the
      // events alone, which is what makes the comparison with DuckDB exact. The file sink commits its
      // files on checkpoints; the last one runs when the bounded input ends.
      env.getConfig().setAutoWatermarkInterval(0);
      env.enableCheckpointing(1_000);
    }
    StreamTableEnvironment tableEnv = StreamTableEnvironment.create(env);
    tableEnv.getConfig().set("table.local-time-zone", "UTC");
    tableEnv.getConfig().set("pipeline.name", JOB_NAME);

    Map<String, String> values = settings.placeholders();
    List<String> inserts = new ArrayList<>();
    for (Map.Entry<String, String> file : SqlScript.bundledFiles().entrySet()) {
      String sql = SqlScript.substitute(file.getKey(), file.getValue(), values);
      for (String statement : SqlScript.statements(sql)) {
        if (statement.toUpperCase(Locale.ROOT).startsWith("INSERT")) {
          inserts.add(statement);
        } else {
          try {
            tableEnv.executeSql(statement);
          } catch (RuntimeException e) {
            throw new IllegalStateException(file.getKey() + ": " + e.getMessage(), e);
          }
        }
      }
    }
    if (inserts.isEmpty()) throw new IllegalStateException("the bundled SQL has no INSERT: nothing to run");
    // Before the INSERTs are planned: planning binds each INSERT to its table's connector.
    if (files) redirectToFiles(tableEnv, settings.sourceFile, settings.sinkDir);
    StreamStatementSet statementSet = tableEnv.createStatementSet();
    for (String insert : inserts) statementSet.addInsertSql(insert);
    if (settings.planOnly) {
      statementSet.attachAsDataStream();
      System.out.println(JobPlan.describe(env.getStreamGraph()));
      return;
    }
    LOG.info("flightpulse insights: {} INSERTs in one statement set", inserts.size());
    TableResult result = statementSet.execute();
    // On Managed Flink the service owns the job once submitted; locally this process is the cluster.
    if (settings.local) result.await();
    if (files) {
      // For the benchmark: the job's own run time, without the JVM's start and the planning.
      long netMs = result.getJobClient().orElseThrow().getJobExecutionResult().get().getNetRuntime();
      System.out.println("{\"jobNetRuntimeMs\":" + netMs + "}");
    }
  }

  /** Re-points the Kinesis tables at files: the source at a JSON-lines file, each sink at a folder. */
  private static void redirectToFiles(StreamTableEnvironment tableEnv, String sourceFile, String sinkDir)
      throws Exception {
    Catalog catalog = tableEnv.getCatalog(tableEnv.getCurrentCatalog()).orElseThrow();
    String database = tableEnv.getCurrentDatabase();
    boolean sawSource = false;
    for (String name : catalog.listTables(database)) {
      ObjectPath path = new ObjectPath(database, name);
      CatalogBaseTable table = catalog.getTable(path);
      if (!(table instanceof CatalogTable) || !"kinesis".equals(table.getOptions().get("connector"))) continue;
      Map<String, String> options = new HashMap<>();
      table.getOptions().forEach((k, v) -> {
        if (k.startsWith("json.") || k.equals("format")) options.put(k, v);
      });
      options.put("connector", "filesystem");
      boolean source = name.equals(SOURCE_TABLE);
      sawSource |= source;
      options.put("path", source ? sourceFile : Paths.get(sinkDir, name).toString());
      catalog.alterTable(path, ((CatalogTable) table).copy(options), false);
    }
    if (!sawSource) throw new IllegalStateException("the bundled SQL declares no " + SOURCE_TABLE + " table");
  }
}
