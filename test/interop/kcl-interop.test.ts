// flightpulse's runtime beside the real Java KCL (2.7.2 and 3.5.1, from Maven) on one lease table, on
// kinesis-local and DynamoDB Local: migration in both directions, a mixed fleet that survives SIGKILLs,
// and resharding under a mixed fleet. Each scenario runs for both KCL versions at once (separate streams
// and tables) to keep the suite short; every record put is accounted for by auditDelivery.
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import {
  KinesisClient,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordsCommand,
  SplitShardCommand,
} from "@aws-sdk/client-kinesis";
import { expect } from "chai";
import { resourceNames } from "../../analytics/resource-names";
import { clientOptions, localAwsConfig } from "../../consumers/aws/clients";
import { isShardLeaseItem } from "../../consumers/kcl/dynamodb-lease-refresher";
import { createTableInput, TABLES } from "../../consumers/tables/table-definitions";
import type { RunningService } from "../../local/emulators/child-service";
import { startDynamoDbLocal } from "../../local/emulators/dynamodb-emulators";
import { startKinesisLocal } from "../../local/emulators/kinesis-emulators";
import { createTableAndWait, ensureStream } from "../../local/stack/bootstrap";
import { auditDelivery, type DeliveryAudit, type PutRecord } from "./delivery-audit";
import { buildKclApps, type KclMode, type KclVersion, startJavaWorker } from "./kcl-app";
import {
  type LogLine,
  type RecordingWorkerOptions,
  readRecordLogs,
  startFlightpulseWorker,
  type WorkerProcess,
} from "./worker-process";

const FAILOVER = 3000;
const SHARDS = 8;
const VERSIONS: readonly KclVersion[] = ["2.7.2", "3.5.1"];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Bounds on progress (a worker started, N records processed) rather than on speed: the migrations and the
 * reshards run beside the mixed fleet, so two JVM emulators and up to six workers share the machine's two
 * cores, and on a slow hour (2026-12-03) the KCL 2.7.2 took 47 s to reach its first shard and over 90 s to
 * 250 records while every scenario still completed. The takeover bounds stay as they are: those are the
 * lease protocol's, in taker periods.
 */
const PROGRESS_MS = 240_000;

async function until(what: string, ok: () => Promise<boolean> | boolean, ms: number): Promise<number> {
  const started = Date.now();
  while (!(await ok())) {
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
  return Date.now() - started;
}

function expectClean(audit: DeliveryAudit, put: number, label: string, duplicatesAllowed: boolean): void {
  const summary = JSON.stringify({ ...audit, explainedDuplicates: audit.explainedDuplicates.length });
  expect(audit.missing, `${label}: records never processed ${summary}`).to.deep.equal([]);
  expect(audit.unexpected, `${label}: records nobody put`).to.deep.equal([]);
  expect(
    audit.rereadBeforeCheckpoint,
    `${label}: records at or before a checkpoint processed again`,
  ).to.deep.equal([]);
  expect(audit.badResumes, `${label}: resumes not at the last checkpoint`).to.deep.equal([]);
  expect(
    audit.unexplainedDuplicates,
    `${label}: duplicates not after a lost lease's last checkpoint`,
  ).to.deep.equal([]);
  if (!duplicatesAllowed)
    expect(audit.explainedDuplicates, `${label}: duplicates after graceful moves`).to.deep.equal([]);
  expect(audit.processed, label).to.equal(put);
}

describe("interop with the real Java KCL: migration, mixed fleets, resharding", function () {
  this.timeout(900_000);
  let kinesisEmu: RunningService;
  let dynamoEmu: RunningService;
  let kinesis: KinesisClient;
  let dynamo: DynamoDBClient;
  const workers: WorkerProcess[] = [];
  // Started in before() and checked by their own tests: most of a migration is the KCL's own start-up
  // waits, and neither scenario times anything, so they run beside the mixed fleet.
  let migrations: Promise<PromiseSettledResult<void>[]>;
  let reshards: Promise<PromiseSettledResult<{ version: KclVersion; holders: string[] }>[]>;

  before(async function () {
    this.timeout(600_000);
    const [ms] = await Promise.all([
      buildKclApps(VERSIONS),
      (async () => {
        [kinesisEmu, dynamoEmu] = await Promise.all([startKinesisLocal(), startDynamoDbLocal()]);
      })(),
    ]);
    if (ms > 0) console.log(`      (KCL interop apps built in ${(ms / 1000).toFixed(1)} s)`);
    const cfg = localAwsConfig({ kinesis: kinesisEmu.endpoint, dynamodb: dynamoEmu.endpoint });
    kinesis = new KinesisClient(clientOptions(cfg, "kinesis"));
    dynamo = new DynamoDBClient(clientOptions(cfg, "dynamodb"));
    migrations = Promise.allSettled(VERSIONS.map(migration));
    reshards = Promise.allSettled(VERSIONS.map(resharding));
  });
  after(async () => {
    await Promise.all([migrations?.catch(() => {}), reshards?.catch(() => {})]);
    await Promise.all(workers.splice(0).map((w) => w.kill().catch(() => {})));
    kinesis?.destroy();
    dynamo?.destroy();
    await Promise.all([kinesisEmu?.stop(), dynamoEmu?.stop()]);
  });

  /** One scenario's stream, lease table, worker logs and the records put. */
  async function scenario(name: string, createTable: boolean) {
    const dir = mkdtempSync(path.join(os.tmpdir(), `kcl-${name}-`));
    await ensureStream(kinesis, name, SHARDS);
    if (createTable) {
      const def = TABLES.find((t) => t.nameKey === "leaseTable");
      await createTableAndWait(
        dynamo,
        createTableInput(def!, { ...resourceNames("local"), leaseTable: name }),
      );
    }
    const logs: string[] = [];
    const mine: WorkerProcess[] = [];
    const put: PutRecord[] = [];
    const common = {
      stream: name,
      kinesis: kinesisEmu.endpoint,
      dynamodb: dynamoEmu.endpoint,
      failoverMillis: FAILOVER,
    };
    const s = {
      name,
      dir,
      put,
      lines: (): LogLine[] => readRecordLogs(logs),
      processed: () =>
        new Set(
          s
            .lines()
            .filter((l) => l.kind === "R")
            .map((l) => `${l.shard}/${l.position}`),
        ).size,
      /** Starts a worker (its record log joins the scenario's), maxRecords 10 so a shard takes many batches. */
      async launch(worker: string, start: (o: RecordingWorkerOptions) => Promise<WorkerProcess>) {
        const out = path.join(dir, `${worker}.tsv`);
        logs.push(out);
        const w = await start({
          ...common,
          worker,
          out,
          maxRecords: 10,
          log: path.join(dir, `${worker}.log`),
        });
        workers.push(w);
        mine.push(w);
        return w;
      },
      java: (worker: string, version: KclVersion, mode: KclMode) =>
        s.launch(worker, (o) => startJavaWorker({ ...o, version, mode, application: name })),
      flightpulse: (worker: string) => s.launch(worker, (o) => startFlightpulseWorker({ ...o, table: name })),
      async putRecords(n: number) {
        for (let done = 0; done < n; ) {
          const batch = Math.min(100, n - done);
          const out = await kinesis.send(
            new PutRecordsCommand({
              StreamName: name,
              Records: Array.from({ length: batch }, (_, i) => ({
                Data: Buffer.from(JSON.stringify({ n: put.length + i, scenario: name })),
                PartitionKey: `pk-${Math.random().toString(36).slice(2)}`,
              })),
            }),
          );
          for (const r of out.Records ?? []) {
            if (r.ShardId !== undefined && r.SequenceNumber !== undefined)
              put.push({ shard: r.ShardId, sequenceNumber: r.SequenceNumber });
          }
          done += batch;
        }
      },
      /** shardId -> owner, and -> checkpoint, as the lease table holds them now. */
      async leases() {
        const items =
          (await dynamo.send(new ScanCommand({ TableName: name, ConsistentRead: true }))).Items ?? [];
        return new Map(
          items
            .filter(isShardLeaseItem)
            .map((i) => [
              i["leaseKey"]?.S ?? "",
              { owner: i["leaseOwner"]?.S, checkpoint: i["checkpoint"]?.S ?? "" },
            ]),
        );
      },
      /** Kills whatever of this scenario still runs (its end, passed or failed). */
      killAll: () => Promise.all(mine.map((w) => w.kill().catch(() => {}))),
    };
    return s;
  }
  type Scenario = Awaited<ReturnType<typeof scenario>>;

  /** Runs a scenario and kills whatever of it still runs at its end, passed or failed. */
  async function within<T>(
    name: string,
    createTable: boolean,
    body: (s: Scenario) => Promise<T>,
  ): Promise<T> {
    const s = await scenario(name, createTable);
    try {
      const result = await body(s);
      rmSync(s.dir, { recursive: true, force: true }); // a failed scenario keeps its logs for reading
      return result;
    } finally {
      await s.killAll();
    }
  }

  /** After a graceful stop: every lease's checkpoint is the last one the log says was written. */
  async function expectTableMatchesLog(s: Scenario, label: string) {
    const leases = await s.leases();
    const lastCheckpoint = new Map<string, string>();
    for (const l of s.lines()) if (l.kind === "C") lastCheckpoint.set(l.shard, l.position);
    for (const [shard, lease] of leases)
      expect(lease.checkpoint, `${label}: ${shard}`).to.equal(lastCheckpoint.get(shard) ?? "TRIM_HORIZON");
    return new Map([...leases].map(([shard, l]) => [shard, l.checkpoint]));
  }

  /** Each shard `worker` started, it started exactly at the checkpoint the table held before it ran. */
  function expectResumedAt(s: Scenario, worker: string, checkpoints: Map<string, string>) {
    const starts = s.lines().filter((l) => l.kind === "I" && l.worker === worker);
    expect(starts.length, `${worker} started no shard`).to.be.greaterThan(0);
    for (const i of starts) expect(i.position, `${worker} on ${i.shard}`).to.equal(checkpoints.get(i.shard));
  }

  async function migration(version: KclVersion) {
    const mode: KclMode = version.startsWith("3") ? "3x" : "2x";
    return within(`migrate-${version.replaceAll(".", "-")}`, false, async (s) => {
      const total = 800;
      await s.putRecords(total);

      // The Java KCL creates the table (named after the application) and processes part of the stream.
      const java1 = await s.java("java-1", version, mode);
      await until(`KCL ${version} processing 250 records`, () => s.processed() >= 250, PROGRESS_MS);
      await java1.stop();
      const afterJava = await expectTableMatchesLog(s, `after KCL ${version} stopped`);
      const javaDone = s.processed();
      expect(javaDone, "the KCL stopped before the end").to.be.lessThan(total);

      // flightpulse takes over the same table: it resumes at exactly the KCL's checkpoints.
      const fp = await s.flightpulse("flightpulse-1");
      await until(
        "flightpulse processing 250 more records",
        () => s.processed() >= javaDone + 250,
        PROGRESS_MS,
      );
      await fp.stop();
      expectResumedAt(s, "flightpulse-1", afterJava);
      const afterFlightpulse = await expectTableMatchesLog(s, "after flightpulse stopped");
      expect(s.processed(), "flightpulse stopped before the end").to.be.lessThan(total);

      // And back: the KCL resumes at exactly flightpulse's checkpoints and finishes the stream.
      const java2 = await s.java("java-2", version, mode);
      await until(`KCL ${version} finishing the stream`, () => s.processed() >= total, PROGRESS_MS);
      await java2.stop();
      expectResumedAt(s, "java-2", afterFlightpulse);
      expectClean(auditDelivery(s.put, s.lines()), total, `migration with KCL ${version}`, false);
    });
  }

  /** Puts `batch` records every `everyMs` until stopped: traffic while workers come and go. */
  function trickle(s: Scenario, batch: number, everyMs: number) {
    let on = true;
    const done = (async () => {
      while (on) {
        await s.putRecords(batch);
        await sleep(everyMs);
      }
    })();
    return async () => {
      on = false;
      await done;
    };
  }

  const owners = async (s: Scenario) => [...(await s.leases()).values()].map((l) => l.owner);
  const holds = async (s: Scenario, worker: string) => (await owners(s)).filter((o) => o === worker).length;

  async function mixedFleet(version: KclVersion) {
    return within(`fleet-${version.replaceAll(".", "-")}`, true, async (s) => {
      const stopTraffic = trickle(s, 40, 300);
      const fp1 = await s.flightpulse("flightpulse-1");
      const java1 = await s.java("java-1", version, "2x");
      await until(
        "both workers holding leases",
        async () => (await holds(s, "java-1")) > 0 && (await holds(s, "flightpulse-1")) > 0,
        PROGRESS_MS,
      );
      await until(
        "both workers processing",
        () =>
          s.lines().some((l) => l.kind === "R" && l.worker === "java-1") &&
          s.lines().some((l) => l.kind === "R" && l.worker === "flightpulse-1"),
        PROGRESS_MS,
      );

      await java1.kill();
      const javaTakeover = await until(
        "flightpulse taking every lease of the killed KCL worker",
        async () => (await holds(s, "flightpulse-1")) === SHARDS,
        30_000,
      );

      const java2 = await s.java("java-2", version, "2x");
      await until(
        "the new KCL worker taking leases from flightpulse",
        async () => (await holds(s, "java-2")) > 0,
        60_000,
      );
      await fp1.kill();
      const fpTakeover = await until(
        "the KCL taking every lease of the killed flightpulse worker",
        async () => (await holds(s, "java-2")) === SHARDS,
        60_000,
      );

      await stopTraffic();
      await until("every record processed", () => s.processed() >= s.put.length, PROGRESS_MS);
      await java2.stop();
      const audit = auditDelivery(s.put, s.lines());
      expectClean(audit, s.put.length, `mixed fleet with KCL ${version}`, true);
      return {
        version,
        records: s.put.length,
        duplicates: audit.explainedDuplicates.length,
        javaTakeover,
        fpTakeover,
      };
    });
  }

  it("mixed fleet: a KCL worker (2.7.2, 3.5.1 in its 2.x mode) and a flightpulse worker share the shards; each takes over when the other is SIGKILLed", async () => {
    const results = await Promise.all(VERSIONS.map(mixedFleet));
    for (const r of results) {
      console.log(
        `      KCL ${r.version}: ${r.records} records, ${r.duplicates} re-processed after kills; takeover after SIGKILL: flightpulse ${(r.javaTakeover / 1000).toFixed(1)} s, KCL ${(r.fpTakeover / 1000).toFixed(1)} s`,
      );
      // flightpulse: failover time plus its take interval (failover / 2) plus one renewal to notice. The KCL 2.x
      // taker runs every 2 × failover and calls a lease expired only when its counter stood still for a
      // failover time between two of its own scans: three taker periods (18 s here, seen), one more for a
      // loaded machine.
      expect(r.javaTakeover, "flightpulse's takeover").to.be.lessThan(FAILOVER * 3 + 3000);
      expect(r.fpTakeover, "the KCL's takeover").to.be.lessThan(FAILOVER * 2 * 4 + 5000);
    }
  });

  async function resharding(version: KclVersion) {
    return within(`reshard-${version.replaceAll(".", "-")}`, true, async (s) => {
      await s.flightpulse("flightpulse-1");
      await s.java("java-1", version, "2x");
      await until(
        "both workers holding leases",
        async () => (await holds(s, "java-1")) > 0 && (await holds(s, "flightpulse-1")) > 0,
        PROGRESS_MS,
      );
      await s.putRecords(400);
      // Parents held by both implementations: split a shard the KCL holds, merge a pair that flightpulse
      // holds at least one of (shards i and i+1 of a fresh stream are adjacent).
      const before = (await kinesis.send(new ListShardsCommand({ StreamName: s.name }))).Shards ?? [];
      const leases = await s.leases();
      const ownerOf = (i: number) => leases.get(before[i]!.ShardId!)?.owner;
      const split = before.findIndex((_, i) => ownerOf(i) === "java-1");
      const pair = [0, 1, 2, 3, 4, 5, 6].find(
        (i) => i !== split && i + 1 !== split && [ownerOf(i), ownerOf(i + 1)].includes("flightpulse-1"),
      );
      if (split < 0 || pair === undefined)
        throw new Error(`no shards to reshard: ${JSON.stringify([...leases])}`);
      const first = before[split]!;
      const mid =
        (BigInt(first.HashKeyRange!.StartingHashKey!) + BigInt(first.HashKeyRange!.EndingHashKey!)) / 2n;
      await kinesis.send(
        new SplitShardCommand({
          StreamName: s.name,
          ShardToSplit: first.ShardId!,
          NewStartingHashKey: mid.toString(),
        }),
      );
      await ensureStream(kinesis, s.name, SHARDS);
      await kinesis.send(
        new MergeShardsCommand({
          StreamName: s.name,
          ShardToMerge: before[pair]!.ShardId!,
          AdjacentShardToMerge: before[pair + 1]!.ShardId!,
        }),
      );
      await ensureStream(kinesis, s.name, SHARDS);
      await s.putRecords(400);
      await until(
        "every record processed, children included",
        () => s.processed() >= s.put.length,
        PROGRESS_MS,
      );

      const lines = s.lines();
      expectClean(auditDelivery(s.put, lines), s.put.length, `resharding with KCL ${version}`, true);
      const shards = (await kinesis.send(new ListShardsCommand({ StreamName: s.name }))).Shards ?? [];
      const children = shards.filter((c) => c.ParentShardId !== undefined && c.ParentShardId !== null);
      expect(children.length, "a split and a merge make three children").to.equal(3);
      const holders: string[] = [];
      for (const child of children) {
        const parents = [child.ParentShardId, child.AdjacentParentShardId].filter(
          (p): p is string => typeof p === "string",
        );
        const childLines = lines.filter(
          (l) => (l.kind === "I" || l.kind === "R") && l.shard === child.ShardId,
        );
        expect(
          childLines.some((l) => l.kind === "R"),
          `${child.ShardId} processed`,
        ).to.equal(true);
        const childStart = Math.min(...childLines.map((l) => l.at));
        for (const parent of parents) {
          const ended = lines.filter((l) => l.kind === "E" && l.shard === parent);
          expect(ended.length, `${parent} checkpointed SHARD_END`).to.be.greaterThan(0);
          const parentLast = Math.max(
            ...lines.filter((l) => l.kind === "R" && l.shard === parent).map((l) => l.at),
          );
          expect(childStart, `${child.ShardId} started before its parent ${parent} was done`).to.be.at.least(
            parentLast,
          );
          holders.push(`${parent} (${ended[0]!.worker}) → ${child.ShardId} (${childLines[0]!.worker})`);
        }
      }
      return { version, holders };
    });
  }

  it("resharding under a mixed fleet (KCL 2.7.2, 3.5.1 in its 2.x mode): a split and a merge, children only after their parents' SHARD_END", async () => {
    for (const r of await reshards) {
      if (r.status === "rejected") throw r.reason;
      console.log(`      KCL ${r.value.version}: ${r.value.holders.join(", ")}`);
    }
  });

  it("migration: the KCL (2.7.2, 3.5.1) → flightpulse → the KCL on one table, each resuming at exactly the other's checkpoints", async () => {
    for (const r of await migrations) if (r.status === "rejected") throw r.reason;
  });
});
