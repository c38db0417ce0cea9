package dev.flightpulse.interop;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.kinesis.common.ConfigsBuilder;
import software.amazon.kinesis.common.InitialPositionInStream;
import software.amazon.kinesis.common.InitialPositionInStreamExtended;
import software.amazon.kinesis.coordinator.Scheduler;
import software.amazon.kinesis.exceptions.InvalidStateException;
import software.amazon.kinesis.exceptions.ShutdownException;
import software.amazon.kinesis.lifecycle.events.InitializationInput;
import software.amazon.kinesis.lifecycle.events.LeaseLostInput;
import software.amazon.kinesis.lifecycle.events.ProcessRecordsInput;
import software.amazon.kinesis.lifecycle.events.ShardEndedInput;
import software.amazon.kinesis.lifecycle.events.ShutdownRequestedInput;
import software.amazon.kinesis.metrics.MetricsLevel;
import software.amazon.kinesis.metrics.NullMetricsFactory;
import software.amazon.kinesis.processor.RecordProcessorCheckpointer;
import software.amazon.kinesis.processor.ShardRecordProcessor;
import software.amazon.kinesis.retrieval.KinesisClientRecord;
import software.amazon.kinesis.retrieval.polling.PollingConfig;

/**
 * A plain KCL application, as a team would write one: it records every record it processes (shard,
 * sequence number, sub-sequence number, worker) and every lifecycle call to a file, then checkpoints after
 * each batch, at SHARD_END and on shutdown. The interop tests run it beside flightpulse's runtime on the
 * same lease table and compare what each processed.
 *
 * <p>Arguments are name=value pairs: stream, application, table (default: the application name, as the
 * KCL does), kinesis and dynamodb (endpoints), worker, out, mode (2x, or 3x on KCL 3), failoverMillis,
 * maxRecords, idleMillis, log (records, or batches: one B line per batch with its size, for the benchmark,
 * where a line per record would cost more than the KCL). SIGTERM shuts down gracefully (processors checkpoint); SIGKILL is a crash.
 *
 * <p>The output file's lines are tab-separated, each ending in the wall-clock time in ms: {@code R shard seq subSeq worker}, {@code I shard
 * startingCheckpoint worker}, {@code E shard worker} (shard end), {@code L shard worker} (lease lost),
 * {@code S shard worker} (shutdown requested), {@code C shard seq subSeq worker} (checkpoint written).
 */
public final class RecordingApp {
  private final Writer out;
  private final boolean batchesOnly;

  private RecordingApp(Writer out, boolean batchesOnly) {
    this.out = out;
    this.batchesOnly = batchesOnly;
  }

  private synchronized void line(String... fields) {
    try {
      out.write(String.join("\t", fields));
      out.write('\t');
      out.write(Long.toString(System.currentTimeMillis()));
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the record log", e);
    }
  }

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new HashMap<>();
    for (String a : argv) {
      int eq = a.indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException("arguments are name=value, got " + a);
      args.put(a.substring(0, eq), a.substring(eq + 1));
    }
    String stream = required(args, "stream");
    String application = required(args, "application");
    String worker = required(args, "worker");
    String mode = args.getOrDefault("mode", "2x");
    long failover = Long.parseLong(args.getOrDefault("failoverMillis", "10000"));

    RecordingApp app = new RecordingApp(
        new OutputStreamWriter(new FileOutputStream(required(args, "out"), true), StandardCharsets.UTF_8),
        args.getOrDefault("log", "records").equals("batches"));

    var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
    // HTTP/1.1: the KCL's own factory asks for HTTP/2, which the local emulators do not serve well.
    var kinesis = KinesisAsyncClient.builder()
        .endpointOverride(URI.create(required(args, "kinesis")))
        .region(Region.US_EAST_1)
        .credentialsProvider(credentials)
        .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1).maxConcurrency(64))
        .build();
    var dynamo = DynamoDbAsyncClient.builder()
        .endpointOverride(URI.create(required(args, "dynamodb")))
        .region(Region.US_EAST_1)
        .credentialsProvider(credentials)
        .build();
    // Never called: metrics are off. The KCL still wants a client.
    var cloudWatch = CloudWatchAsyncClient.builder()
        .endpointOverride(URI.create("http://127.0.0.1:9"))
        .region(Region.US_EAST_1)
        .credentialsProvider(credentials)
        .build();

    ConfigsBuilder configs = new ConfigsBuilder(stream, application, kinesis, dynamo, cloudWatch, worker,
        () -> app.new Processor(worker));
    configs.tableName(args.getOrDefault("table", application));

    var coordinator = configs.coordinatorConfig()
        .parentShardPollIntervalMillis(500)
        .shardConsumerDispatchPollIntervalMillis(200)
        .schedulerInitializationBackoffTimeMillis(500);
    var leases = configs.leaseManagementConfig()
        .failoverTimeMillis(failover)
        .shardSyncIntervalMillis(Long.parseLong(args.getOrDefault("shardSyncMillis", "2000")))
        .epsilonMillis(25);
    KclVersion.configure(coordinator, leases, mode);
    var polling = new PollingConfig(stream, kinesis)
        .maxRecords(Integer.parseInt(args.getOrDefault("maxRecords", "10000")))
        .idleTimeBetweenReadsInMillis(Long.parseLong(args.getOrDefault("idleMillis", "200")));

    Scheduler scheduler = new Scheduler(
        configs.checkpointConfig(),
        coordinator,
        leases,
        configs.lifecycleConfig(),
        configs.metricsConfig().metricsFactory(new NullMetricsFactory()).metricsLevel(MetricsLevel.NONE),
        configs.processorConfig(),
        configs.retrievalConfig()
            .initialPositionInStreamExtended(
                InitialPositionInStreamExtended.newInitialPosition(InitialPositionInStream.TRIM_HORIZON))
            .retrievalSpecificConfig(polling));

    Thread run = new Thread(scheduler, "kcl-scheduler");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        scheduler.startGracefulShutdown().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("graceful shutdown failed: " + e);
      }
      app.line("X", worker);
    }));
    System.out.println("KCL " + KclVersion.NAME + " mode " + mode + " worker " + worker + " starting");
    System.out.flush();
    run.start();
    run.join();
  }

  private static String required(Map<String, String> args, String name) {
    String v = args.get(name);
    if (v == null || v.isEmpty()) throw new IllegalArgumentException("missing argument " + name + "=...");
    return v;
  }

  private final class Processor implements ShardRecordProcessor {
    private final String worker;
    private String shard = "?";

    Processor(String worker) {
      this.worker = worker;
    }

    @Override
    public void initialize(InitializationInput input) {
      shard = input.shardId();
      line("I", shard, input.extendedSequenceNumber().sequenceNumber(), worker);
    }

    @Override
    public void processRecords(ProcessRecordsInput input) {
      KinesisClientRecord last = null;
      for (KinesisClientRecord r : input.records()) {
        if (!batchesOnly) line("R", shard, r.sequenceNumber(), Long.toString(r.subSequenceNumber()), worker);
        last = r;
      }
      if (last == null) return;
      if (batchesOnly) line("B", shard, Integer.toString(input.records().size()), worker);
      checkpoint(input.checkpointer(), last);
    }

    private void checkpoint(RecordProcessorCheckpointer checkpointer, KinesisClientRecord last) {
      try {
        checkpointer.checkpoint(last.sequenceNumber(), last.subSequenceNumber());
        line("C", shard, last.sequenceNumber(), Long.toString(last.subSequenceNumber()), worker);
      } catch (ShutdownException e) {
        line("F", shard, worker); // fenced: the lease went elsewhere
      } catch (InvalidStateException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void leaseLost(LeaseLostInput input) {
      line("L", shard, worker);
    }

    @Override
    public void shardEnded(ShardEndedInput input) {
      try {
        input.checkpointer().checkpoint();
        line("E", shard, worker);
      } catch (ShutdownException | InvalidStateException e) {
        line("F", shard, worker);
      }
    }

    @Override
    public void shutdownRequested(ShutdownRequestedInput input) {
      try {
        input.checkpointer().checkpoint();
        line("S", shard, worker);
      } catch (ShutdownException | InvalidStateException e) {
        line("F", shard, worker);
      }
    }
  }
}
