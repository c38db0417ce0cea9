// Kinesis emulators. kinesis-local (kinesis-mock) is complete (ChildShards, UpdateShardCount, real
// MillisBehindLatest, enhanced fan-out) but slow: the default for the product and correctness tests.
// kinesalite is fast but older (no ChildShards, no SubscribeToShard): for load and benchmarks.
import * as path from "node:path";
import { KinesisClient, ListStreamsCommand } from "@aws-sdk/client-kinesis";
import { clientOptions, localAwsConfig } from "../../consumers/aws/clients";
import { type RunningService, startChildService } from "./child-service";
import { choosePort, freePort, LOOPBACK } from "./ports";

export type KinesisEmulator = "kinesis-local" | "kinesalite";

export interface KinesisEmulatorOptions {
  /** Plain (HTTP/1.1) port; free one when unset. */
  readonly port?: number;
  /** Shards allowed per server (kinesis-local's default of 50 is low for tests that create many streams). */
  readonly shardLimit?: number;
  /** The setting to name when the port is taken (default --kinesis-port). */
  readonly portSetting?: string;
  /** kinesis-local only: persist streams and records in this folder (reloaded on the next start). */
  readonly dataDir?: string;
}

async function answers(endpoint: string): Promise<boolean> {
  const client = new KinesisClient({
    ...clientOptions(localAwsConfig({ kinesis: endpoint }), "kinesis"),
    maxAttempts: 1,
  });
  try {
    await client.send(new ListStreamsCommand({}));
    return true;
  } finally {
    client.destroy();
  }
}

export async function startKinesisLocal(options: KinesisEmulatorOptions = {}): Promise<RunningService> {
  const port = await choosePort(options.port, options.portSetting ?? "--kinesis-port");
  const tlsPort = await freePort();
  const dir = path.dirname(require.resolve("kinesis-local/package.json"));
  const endpoint = `http://${LOOPBACK}:${port}`;
  const quick = "100ms";
  return startChildService({
    name: "kinesis-local",
    endpoint,
    command: process.execPath,
    args: [path.join(dir, "main.js")],
    cwd: dir,
    env: {
      KINESIS_MOCK_CERT_PATH: path.join(dir, "server.json"),
      KINESIS_MOCK_PLAIN_PORT: String(port),
      KINESIS_MOCK_TLS_PORT: String(tlsPort),
      SHARD_LIMIT: String(options.shardLimit ?? 1000),
      LOG_LEVEL: "WARN",
      AWS_REGION: "us-east-1",
      CREATE_STREAM_DURATION: quick,
      DELETE_STREAM_DURATION: quick,
      SPLIT_SHARD_DURATION: quick,
      MERGE_SHARDS_DURATION: quick,
      UPDATE_SHARD_COUNT_DURATION: quick,
      REGISTER_STREAM_CONSUMER_DURATION: quick,
      DEREGISTER_STREAM_CONSUMER_DURATION: quick,
      ...(options.dataDir !== undefined
        ? {
            SHOULD_PERSIST_DATA: "true",
            LOAD_DATA_IF_EXISTS: "true",
            PERSIST_PATH: options.dataDir,
            PERSIST_INTERVAL: "2s",
          }
        : {}),
    },
    ready: () => answers(endpoint),
    startTimeoutMs: 60_000,
  });
}

export async function startKinesalite(options: KinesisEmulatorOptions = {}): Promise<RunningService> {
  const port = await choosePort(options.port, options.portSetting ?? "--kinesis-port");
  const endpoint = `http://${LOOPBACK}:${port}`;
  return startChildService({
    name: "kinesalite",
    endpoint,
    command: process.execPath,
    args: [
      path.join(__dirname, "run-kinesalite.js"),
      String(port),
      LOOPBACK,
      String(options.shardLimit ?? 1000),
    ],
    ready: () => answers(endpoint),
  });
}

export function startKinesisEmulator(
  kind: KinesisEmulator,
  options: KinesisEmulatorOptions = {},
): Promise<RunningService> {
  return kind === "kinesalite" ? startKinesalite(options) : startKinesisLocal(options);
}
