// The worker as a whole. (A) Seat-manifest writes: DynamoDB write requests per 1,000 booking events when
// the sink coalesces a Kinesis batch (one conditional write per touched flight), against applying the
// same events one at a time, counted on dynalite in the same run. (B) End to end on the local stack: one
// `flightpulse worker` process (decode, manifests, demand analytics, rejected sink, warehouse loads,
// checkpoints) draining a pre-filled stream, against the bare consumer runtime with a no-op processor
// draining the same records in the same run.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { resourceNames } from "../analytics/resource-names";
import { clientOptions, createAwsClients, localAwsConfig } from "../consumers/aws/clients";
import { kclConfig } from "../consumers/kcl/config";
import { DynamoDbLeaseRefresher } from "../consumers/kcl/dynamodb-lease-refresher";
import { sdkKinesisReadPort } from "../consumers/kcl/retrieval/kinesis-read-port";
import { Scheduler } from "../consumers/kcl/scheduler";
import { sdkShardLister } from "../consumers/kcl/shard-sync";
import { ManifestSink } from "../consumers/sinks/manifests/manifest-sink";
import { DynamoDbManifestStore } from "../consumers/sinks/manifests/manifest-store";
import { createTableInput, TABLES } from "../consumers/tables/table-definitions";
import { toEntry } from "../ingest/commands/simulate";
import { sdkKinesisPutPort } from "../ingest/kinesis-put-port";
import { KinesisProducer } from "../ingest/producer";
import { TrafficSimulator } from "../ingest/simulator/traffic";
import type { RunningService } from "../local/emulators/child-service";
import { startDynalite } from "../local/emulators/dynamodb-emulators";
import { createTableAndWait } from "../local/stack/bootstrap";
import { startLocalStack } from "../local/stack/local-stack";
import { startLocalWorkers } from "../local/stack/local-workers";
import { countingProcessor } from "./counting-processor";
import { type Measurement, measure, perSecond, table, writeSection } from "./results";

const BATCH = 500;
const E2E_RECORDS = Number(process.env["BENCH_E2E_RECORDS"] ?? 50_000);

function traffic(n: number, seed: number) {
  return new TrafficSimulator({
    seed,
    startTime: Date.now() - 2 * 3_600_000,
    ratePerSecond: 20,
    scheduleDays: 2,
  }).take(n);
}

async function manifestWrites(): Promise<string> {
  const emulator = await startDynalite();
  const client = new DynamoDBClient(
    clientOptions(localAwsConfig({ dynamodb: emulator.endpoint }), "dynamodb"),
  );
  let writes = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (["PutItemCommand", "UpdateItemCommand", "DeleteItemCommand"].includes(context.commandName ?? ""))
        writes++;
      return next(args);
    },
    { step: "initialize", name: "countWrites" },
  );
  try {
    const events = traffic(30_000, 21).flatMap((r) => (r.kind === "event" ? [r.event] : []));
    const bookings = events.filter((e) => e.type === "booking.created").length;
    const def = TABLES.find((t) => t.nameKey === "manifestTable");
    const run = async (label: string, tableName: string, batchSize: number) => {
      await createTableAndWait(
        client,
        createTableInput(def!, { ...resourceNames("local"), manifestTable: tableName }),
      );
      const sink = new ManifestSink({ store: new DynamoDbManifestStore(client, tableName) });
      writes = 0;
      for (let i = 0; i < events.length; i += batchSize)
        await sink.apply(
          events.slice(i, i + batchSize).map((event, k) => ({
            event,
            shardId: "shardId-000000000000",
            sequenceNumber: String(10_000_000 + i + k),
          })),
        );
      return { label, writes, per1000: (writes / bookings) * 1000 };
    };
    const single = await run("one event at a time (baseline)", "bench-manifests-single", 1);
    const coalesced = await run(`Kinesis batches of ${BATCH} (coalesced)`, "bench-manifests-batched", BATCH);
    const full = await run(
      "batches of 10,000 (a full GetRecords, coalesced)",
      "bench-manifests-full",
      10_000,
    );
    const rows = [single, coalesced, full]
      .map(
        (r) =>
          `| ${r.label} | ${r.writes.toLocaleString("en-US")} | ${r.per1000.toFixed(0)} | ${(r.writes / single.writes).toFixed(3)}× |`,
      )
      .join("\n");
    return [
      `${events.length.toLocaleString("en-US")} events (${bookings.toLocaleString("en-US")} bookings, schedules and cancellations included) into seat manifests on dynalite; write requests counted on the client.`,
      "",
      "| run | write requests | per 1,000 bookings | ratio vs baseline |",
      "|---|---:|---:|---:|",
      rows,
      "",
      `Coalescing: ${coalesced.per1000.toFixed(0)} write requests per 1,000 booking events in batches of ${BATCH} and ${full.per1000.toFixed(0)} in full GetRecords batches, against ${single.per1000.toFixed(0)} one event at a time (every count includes the flights' schedule writes and cancellations). The saving grows with how many events of one flight share a batch: traffic spread over hundreds of flights coalesces little at ${BATCH} a batch.`,
    ].join("\n");
  } finally {
    client.destroy();
    await emulator.stop();
  }
}

async function until(what: string, ms: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function endToEnd(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fp-bench-"));
  const stack = await startLocalStack({ root: dir, kinesis: "kinesalite", bookingShards: 4 });
  const aws = createAwsClients(localAwsConfig(stack.state.endpoints));
  const names = stack.state.resources;
  const started: RunningService[] = [];
  try {
    const records = traffic(E2E_RECORDS, 22);
    await new KinesisProducer({
      port: sdkKinesisPutPort(aws.kinesis),
      streamName: names.bookingStream,
    }).putRecords(records.map(toEntry));
    // Baseline: the bare runtime, no-op processor, same stream, its own lease table.
    const leaseDef = TABLES.find((t) => t.nameKey === "leaseTable");
    await createTableAndWait(
      aws.dynamodb,
      createTableInput(leaseDef!, { ...names, leaseTable: "bench-bare-leases" }),
    );
    let drained = 0;
    const bare = new Scheduler({
      config: kclConfig({
        streamName: names.bookingStream,
        workerId: "bench-bare",
        takeIntervalMillis: 200,
        idleTimeBetweenReadsMillis: 200,
      }),
      refresher: new DynamoDbLeaseRefresher(aws.dynamodb, "bench-bare-leases"),
      lister: sdkShardLister(aws.kinesis),
      reader: sdkKinesisReadPort(aws.kinesis),
      processors: () =>
        countingProcessor((n) => {
          drained += n;
        }),
    });
    const rows: Measurement[] = [];
    rows.push(
      await measure("bare runtime, no-op processor (baseline)", records.length, async () => {
        await bare.start();
        await until("bare drain", 300_000, async () => drained >= records.length);
      }),
    );
    await bare.shutdown();
    // The worker process: its CPU is its own, so only wall time is comparable here.
    let workerHealth = "";
    rows.push(
      await measure("flightpulse worker process (everything)", records.length, async () => {
        const [w] = await startLocalWorkers(stack, {
          count: 1,
          cwd: dir,
          env: { FLIGHTPULSE_IDLE_TIMEOUT_SECONDS: "2" },
        });
        if (w !== undefined) started.push(w);
        workerHealth = w?.endpoint ?? "";
        await until("worker drain", 600_000, async () => {
          const m = (await (await fetch(`${workerHealth}/metrics`)).json()) as {
            events?: number;
            rejected?: number;
          };
          return (m.events ?? 0) + (m.rejected ?? 0) >= records.length;
        });
      }),
    );
    const worker = rows[1] as Measurement;
    return [
      `${records.length.toLocaleString("en-US")} simulated records pre-filled in a 4-shard kinesalite stream; one worker process with every sink on the local stack (dynalite, SNS endpoint, Data API over pglite). Wall time from start to the last record processed; the worker's start-up is included.`,
      "",
      table(rows).replace(/\| CPU µs\/event \|/, "| CPU µs/event (bench process) |"),
      "",
      `The worker processes ${Math.round(perSecond(worker)).toLocaleString("en-US")} events/s end to end, ${(perSecond(worker) / perSecond(rows[0] as Measurement)).toFixed(2)}× the bare runtime's drain rate of the same stream.`,
    ].join("\n");
  } finally {
    await Promise.allSettled(started.map((w) => w.stop()));
    aws.destroy();
    await stack.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const a = await manifestWrites();
  console.log(a);
  const b = await endToEnd();
  console.log(b);
  writeSection(
    "worker",
    "Worker (manifest write coalescing, end-to-end rate)",
    "npm run bench worker",
    `### Seat-manifest writes\n\n${a}\n\n### End to end on the local stack\n\n${b}`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
