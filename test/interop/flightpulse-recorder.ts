// flightpulse's runtime as the interop tests run it: a worker process with a record processor that
// records exactly what the Java RecordingApp records (test/interop/kcl-app), in the same line format, and
// checkpoints the same way (after each batch, at SHARD_END, on shutdown). SIGTERM is the runtime's
// graceful shutdown; SIGKILL a crash. Started by startFlightpulseWorker() with its options in argv[2].
import { appendFileSync } from "node:fs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { clientOptions, kinesisClient, localAwsConfig } from "../../consumers/aws/clients";
import { kclConfig } from "../../consumers/kcl/config";
import { DynamoDbLeaseRefresher } from "../../consumers/kcl/dynamodb-lease-refresher";
import type { RecordProcessor } from "../../consumers/kcl/record-processor";
import { sdkKinesisReadPort } from "../../consumers/kcl/retrieval/kinesis-read-port";
import { Scheduler } from "../../consumers/kcl/scheduler";
import { sdkShardLister } from "../../consumers/kcl/shard-sync";
import type { RecordingWorkerOptions } from "./worker-process";

export type RecorderOptions = Omit<RecordingWorkerOptions, "log"> & { readonly table: string };

function main(o: RecorderOptions): void {
  const line = (...fields: string[]) => appendFileSync(o.out, `${[...fields, Date.now()].join("\t")}\n`);
  const config = localAwsConfig({ kinesis: o.kinesis, dynamodb: o.dynamodb });
  const kinesis = kinesisClient(config);
  const dynamo = new DynamoDBClient(clientOptions(config, "dynamodb"));
  const processor = (shard: string): RecordProcessor => ({
    async initialize({ startingPosition }) {
      line("I", shard, startingPosition.sequenceNumber, o.worker);
    },
    async processRecords({ records, checkpointer }) {
      const last = records.at(-1);
      if (last === undefined) return;
      if (o.batchesOnly) line("B", shard, String(records.length), o.worker);
      else for (const r of records) line("R", shard, r.sequenceNumber, String(r.subSequenceNumber), o.worker);
      if (await checkpointer.checkpoint())
        line("C", shard, last.sequenceNumber, String(last.subSequenceNumber), o.worker);
      else line("F", shard, o.worker);
    },
    async leaseLost() {
      line("L", shard, o.worker);
    },
    async shardEnded({ checkpointer }) {
      line((await checkpointer.checkpoint()) ? "E" : "F", shard, o.worker);
    },
    async shutdownRequested({ checkpointer }) {
      line((await checkpointer.checkpoint()) ? "S" : "F", shard, o.worker);
    },
  });
  const scheduler = new Scheduler({
    config: kclConfig({
      streamName: o.stream,
      workerId: o.worker,
      failoverTimeMillis: o.failoverMillis,
      maxRecords: o.maxRecords ?? 10_000,
      idleTimeBetweenReadsMillis: 200,
      shardSyncIntervalMillis: 2000,
    }),
    refresher: new DynamoDbLeaseRefresher(dynamo, o.table),
    lister: sdkShardLister(kinesis),
    reader: sdkKinesisReadPort(kinesis),
    processors: processor,
    onError: (where, e) => console.error(`${o.worker} ${where}: ${(e as Error).message}`),
  });
  process.once("SIGTERM", () => {
    void scheduler.shutdown().then(() => {
      line("X", o.worker);
      process.exit(0);
    });
  });
  scheduler.start().catch((e: Error) => {
    console.error(`${o.worker} failed to start: ${e.message}`);
    process.exit(1);
  });
}

if (require.main === module) main(JSON.parse(process.argv[2] ?? "{}") as RecorderOptions);
