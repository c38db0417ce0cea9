// The chaos run (`npm run test:chaos`, also part of `npm test`): the local stack's worst day in about two
// minutes. Three worker processes consume a known event set (30 routes, one surge, 1% bad records, 3% of
// events re-sent by the producer) written while, in turn: three workers are SIGKILLed and replaced, the
// DynamoDB endpoint throttles a share of requests for 10 s, the Data API fails every request for 10 s, a
// shard is split under load, and every worker is restarted with SIGTERM, one at a time. After the stream
// drains, the sinks must equal an independent computation over the event set: seat manifests, facts, the
// demand panes and sliding windows (each distinct event once), every bad record rejected and nothing else,
// the surge alerted once. The first SIGKILL comes at a random moment under load: what the next owner
// re-reads must be one checkpoint interval's worth (it restores the state written at the checkpoint). The
// reconciliation table it prints is the one in the README. Then every worker is killed at once and the
// stream replayed from the start with no lease left: nothing may change.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type AttributeValue, DeleteItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { ListShardsCommand, SplitShardCommand } from "@aws-sdk/client-kinesis";
import { expect } from "chai";
import { DEFAULT_DEMAND_OPTIONS } from "../../analytics/demand/demand-options";
import { flightKey, routeOf } from "../../analytics/events";
import { createAwsClients, localAwsConfig } from "../../consumers/aws/clients";
import { figuresOf } from "../../consumers/sinks/manifests/flight-manifest";
import { DynamoDbManifestStore } from "../../consumers/sinks/manifests/manifest-store";
import { SdkDataApi } from "../../consumers/warehouse/data-api";
import { toEntry } from "../../ingest/commands/simulate";
import { sdkKinesisPutPort } from "../../ingest/kinesis-put-port";
import { KinesisProducer } from "../../ingest/producer";
import { ROUTES } from "../../ingest/simulator/network";
import { createRandom } from "../../ingest/simulator/prng";
import { parseSurge } from "../../ingest/simulator/scenarios";
import { TrafficSimulator } from "../../ingest/simulator/traffic";
import { isAlive, type RunningService } from "../../local/emulators/child-service";
import { LOCAL_WAREHOUSE, type LocalStack, startLocalStack } from "../../local/stack/local-stack";
import { startLocalWorkers } from "../../local/stack/local-workers";
import {
  DATA_API_DOWN,
  DYNAMODB_THROTTLING,
  type FaultProxy,
  startFaultProxy,
} from "../fixtures/fault-proxy";
import {
  type ExpectedCounts,
  type ExpectedFlight,
  eventually,
  expectedManifests,
  expectedPanes,
  expectedWindows,
} from "../fixtures/pipeline-expectations";
import { readWorkerProgress, uncheckpointed } from "../fixtures/worker-progress";

const RECORDS = 24_000;
const CHUNKS = 30;
/** Seconds between checkpoints (each writes the shard's state): what a SIGKILL may make the next owner re-read. */
const CHECKPOINT_S = 2;
const { paneMs, windowMs, allowedLatenessMs } = DEFAULT_DEMAND_OPTIONS;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The warehouse's TIMESTAMP text (UTC, as the Data API returns it) in epoch ms. */
const epochOf = (text: unknown) => Date.parse(`${String(text).replace(" ", "T")}Z`);

describe("chaos run: kills, a rolling restart, throttling, a warehouse outage and a split, reconciled", function () {
  this.timeout(600_000);
  let stack: LocalStack;
  let dir: string;
  let aws: ReturnType<typeof createAwsClients>;
  let dynamoProxy: FaultProxy;
  let dataApiProxy: FaultProxy;
  const live: RunningService[] = [];
  let nextIndex = 1;
  const log: string[] = [];
  const t0 = Date.now();
  const note = (what: string) => log.push(`${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${what}`);

  const startWorkers = async (count: number) => {
    const started = await startLocalWorkers(stack, {
      count,
      cwd: dir,
      firstIndex: nextIndex,
      env: {
        FLIGHTPULSE_SURGE_FLOOR_SEATS: "250",
        FLIGHTPULSE_IDLE_TIMEOUT_SECONDS: "3",
        FLIGHTPULSE_FAILOVER_MS: "3000",
        FLIGHTPULSE_CHECKPOINT_INTERVAL_SECONDS: String(CHECKPOINT_S),
        // Batches and checkpoints in the workers' logs: what each SIGKILL left to re-read.
        FLIGHTPULSE_LOG_LEVEL: "debug",
        FLIGHTPULSE_DYNAMODB_ENDPOINT: dynamoProxy.url,
        FLIGHTPULSE_REDSHIFT_DATA_ENDPOINT: dataApiProxy.url,
      },
    });
    nextIndex += count;
    live.push(...started);
    return started;
  };
  const stopWorker = async (w: RunningService, how: "SIGKILL" | "SIGTERM") => {
    process.kill(w.pid, how);
    if (how === "SIGTERM") {
      // A graceful stop flushes its sinks, checkpoints and releases its leases, then exits by itself.
      const exited = await eventually(`${w.name} to exit after SIGTERM`, 30_000, async () =>
        isAlive(w.pid) ? undefined : true,
      ).catch((e: Error) => {
        // What it was doing: the end of its log (info and above) says which shard held the shutdown.
        const log = fs.readFileSync(path.join(dir, ".flightpulse", `${w.name}.log`), "utf8").split("\n");
        const tail = log.filter((l) => !l.includes('"level":"debug"')).slice(-25);
        throw new Error(`${e.message}; the end of its log:\n${tail.join("\n")}`);
      });
      expect(exited).to.equal(true);
    }
    await w.stop();
  };
  const kills: { worker: string; at: number }[] = [];
  const replace = async (w: RunningService, how: "SIGKILL" | "SIGTERM") => {
    live.splice(live.indexOf(w), 1);
    if (how === "SIGKILL") kills.push({ worker: w.name, at: Date.now() });
    await stopWorker(w, how);
    const [next] = await startWorkers(1);
    note(`${how} ${w.name}, started ${next?.name}`);
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fp-chaos-"));
    stack = await startLocalStack({ root: dir, kinesis: "kinesalite", bookingShards: 3 });
    aws = createAwsClients(localAwsConfig(stack.state.endpoints));
    dynamoProxy = await startFaultProxy(stack.state.endpoints.dynamodb as string, createRandom(3).next);
    dataApiProxy = await startFaultProxy(stack.state.endpoints.redshiftData as string);
  });

  after(async () => {
    await Promise.allSettled(live.map((w) => w.stop()));
    await dynamoProxy?.close();
    await dataApiProxy?.close();
    aws?.destroy();
    await stack?.stop();
    if (process.env["KEEP_TEST_DIR"] === undefined) fs.rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  });

  it("ends with sinks equal to an independent computation over the events, each surge alerted once, and a replay changes nothing", async () => {
    // Prepare: 40 minutes of traffic on 30 routes with a ten-fold surge on LHR-DXB, 1% bad records, and a
    // producer's re-sends (3% of the events again, 1 to 500 records later).
    const names = stack.state.resources;
    const sim = new TrafficSimulator({
      seed: 23,
      // At a fixed time of day (yesterday, 12:00 UTC): the simulator's demand follows the UTC hour, and
      // at night the surge's ten-fold LHR-DXB stays under the floor (162 seats in a window at 00:00).
      startTime: Math.floor(Date.now() / 86_400_000) * 86_400_000 - 12 * 3_600_000,
      ratePerSecond: 10,
      routes: ROUTES.slice(0, 30),
      scheduleDays: 2,
      scenarios: [parseSurge("LHR-DXB@600+300*10")],
    });
    const records = sim.take(RECORDS);
    const events = records.flatMap((r) => (r.kind === "event" ? [r.event] : []));
    const badPayloads = records
      .filter((r) => r.kind === "bad")
      .map((r) => Buffer.from(toEntry(r).data).toString("base64"))
      .sort();
    const original = records.map(toEntry);
    const entries = [...original];
    const random = createRandom(29);
    let resent = 0;
    records.forEach((r, i) => {
      if (r.kind !== "event" || !random.chance(0.03)) return;
      const entry = original[i] as (typeof original)[number];
      entries.splice(Math.min(entries.indexOf(entry) + random.int(1, 500), entries.length), 0, entry);
      resent++;
    });
    const producer = new KinesisProducer({
      port: sdkKinesisPutPort(aws.kinesis),
      streamName: names.bookingStream,
      concurrency: 1,
    });

    // Act: the traffic in chunks, one every 1.2 s, with the day's troubles on a timeline beside it.
    await startWorkers(3);
    note(`started ${live.map((w) => w.name).join(", ")}`);
    const per = Math.ceil(entries.length / CHUNKS);
    const traffic = (async () => {
      for (let i = 0; i < entries.length; i += per) {
        await producer.putRecords(entries.slice(i, i + per));
        await sleep(1_200);
      }
      note(`traffic written: ${entries.length} records`);
    })();
    // The first kill at a random moment under load, once every worker has checkpointed a few times.
    const firstKillMs = createRandom(Date.now()).int(5_000, 9_000);
    const chaos = (async () => {
      await sleep(firstKillMs);
      await replace(live[0] as RunningService, "SIGKILL");
      dynamoProxy.on(DYNAMODB_THROTTLING(0.25));
      note("DynamoDB throttles 25% of requests");
      await sleep(4_000);
      await replace(live[0] as RunningService, "SIGKILL");
      await sleep(4_000);
      dynamoProxy.off();
      note(`DynamoDB back (${dynamoProxy.counts.faulted} requests throttled)`);
      dataApiProxy.on(DATA_API_DOWN);
      note("Data API fails every request");
      await sleep(3_000);
      const shards = (await aws.kinesis.send(new ListShardsCommand({ StreamName: names.bookingStream })))
        .Shards;
      const open = (shards ?? []).filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined);
      const toSplit = open[0];
      const lo = BigInt(toSplit?.HashKeyRange?.StartingHashKey ?? "0");
      const hi = BigInt(toSplit?.HashKeyRange?.EndingHashKey ?? "0");
      await aws.kinesis.send(
        new SplitShardCommand({
          StreamName: names.bookingStream,
          ShardToSplit: toSplit?.ShardId,
          NewStartingHashKey: ((lo + hi) / 2n).toString(),
        }),
      );
      note(`split ${toSplit?.ShardId}`);
      await sleep(7_000);
      dataApiProxy.off();
      note(`Data API back (${dataApiProxy.counts.faulted} requests failed)`);
      await replace(live[0] as RunningService, "SIGKILL");
      await sleep(3_000);
      for (const w of [...live]) await replace(w, "SIGTERM");
      note("rolling SIGTERM restart done");
    })();
    await Promise.all([traffic, chaos]);

    // Assess the first SIGKILL: every shard the worker was reading had been checkpointed, with its state,
    // at most one interval (and the batch in hand) before the kill, or taken less than that before it; the
    // next owner restored exactly that checkpoint's state, and what it re-read is the killed worker's
    // batches after it: one interval's worth.
    const logOf = (name: string) => path.join(dir, ".flightpulse", `${name}.log`);
    const firstKill = kills[0] as { worker: string; at: number };
    const restores = Array.from({ length: nextIndex - 1 }, (_, i) =>
      readWorkerProgress(logOf(`worker-${i + 1}`)),
    );
    const bound = CHECKPOINT_S * 1000 + 5_000;
    const rereads: string[] = [];
    for (const [shardId, p] of readWorkerProgress(logOf(firstKill.worker))) {
      const u = uncheckpointed(p);
      // Reading it at the kill: still held (the lease neither lost nor refused), a batch in the last 5 s.
      if (!u.held || u.lastBatchAt === undefined || firstKill.at - u.lastBatchAt > 5_000) continue;
      const checkpoint = u.checkpoint;
      if (checkpoint === undefined) {
        // Taken too recently for a checkpoint of its own: the next owner starts where this worker did.
        expect(u.startedAt, `${shardId}: its start is logged`).to.not.equal(undefined);
        expect(firstKill.at - (u.startedAt ?? 0), `${shardId}: held without a checkpoint (ms)`).to.be.at.most(
          bound,
        );
      } else {
        expect(checkpoint.snapshot, `${shardId}: a checkpoint with the state`).to.equal(true);
        expect(firstKill.at - checkpoint.at, `${shardId}: checkpoint age at the kill (ms)`).to.be.at.most(
          bound,
        );
        const after = p.batches.filter((b) => BigInt(b.last) > BigInt(checkpoint.position));
        const inLastInterval = p.batches.filter((b) => b.at >= checkpoint.at - CHECKPOINT_S * 1000);
        expect(after.length, `${shardId}: batches re-read`).to.be.at.most(inLastInterval.length + 1);
        expect(
          restores.flatMap((r) => r.get(shardId)?.restored.map((x) => x.position) ?? []),
          `${shardId}: the next owner restored the state of the killed worker's last checkpoint`,
        ).to.include(checkpoint.position);
      }
      rereads.push(
        `${shardId} ${u.records.toLocaleString("en-US")} of ${u.processed.toLocaleString("en-US")}${checkpoint === undefined ? " (taken without a checkpoint yet)" : ""}`,
      );
    }
    expect(rereads, "shards the first killed worker was reading").to.not.deep.equal([]);
    note(`first SIGKILL ${firstKillMs} ms in: records re-read (of those it processed) ${rereads.join(", ")}`);

    // Assess: wait for the sinks to settle, then compare each with the independent computation.
    const warehouse = new SdkDataApi(aws.redshiftData, { database: "dev", workgroupName: LOCAL_WAREHOUSE });
    const count = async (sql: string) => Number((await warehouse.query(sql))[0]?.["n"] ?? 0);
    const distinct = new Map(events.map((e) => [e.eventId, e]));
    const expectedFacts = {
      booking_facts: [...distinct.values()].filter((e) => e.type === "booking.created").length,
      cancellation_facts: [...distinct.values()].filter((e) => e.type === "booking.cancelled").length,
      search_facts: [...distinct.values()].filter((e) => e.type === "search.performed").length,
      flights: new Set(
        [...distinct.values()].flatMap((e) =>
          e.type === "flight.scheduled" ? [flightKey(e.flightNumber, e.departureDate)] : [],
        ),
      ).size,
    };
    const factCounts = async () =>
      Object.fromEntries(
        await Promise.all(
          Object.keys(expectedFacts).map(
            async (t) => [t, await count(`SELECT count(*) AS n FROM ${t}`)] as const,
          ),
        ),
      );
    const facts = await eventually("every fact", 180_000, async () => {
      const now = await factCounts();
      if (JSON.stringify(now) === JSON.stringify(expectedFacts)) return now;
      throw new Error(`facts ${JSON.stringify(now)}, expected ${JSON.stringify(expectedFacts)}`);
    });
    note("facts complete");

    const manifests = new DynamoDbManifestStore(aws.dynamodb, names.manifestTable);
    const expected = expectedManifests(events);
    const manifestDifferences = async () => {
      const wrong: string[] = [];
      for (const [flight, want] of expected) {
        const stored = await manifests.get(flight);
        const f = stored === undefined ? undefined : figuresOf(stored.manifest);
        const got: ExpectedFlight | undefined =
          f === undefined
            ? undefined
            : { capacity: f.capacity, seatsBooked: f.seatsBooked, bookings: f.confirmedBookings };
        if (JSON.stringify(got) !== JSON.stringify(want))
          wrong.push(`${flight}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
      }
      return wrong;
    };
    await eventually("every manifest", 60_000, async () => {
      const wrong = await manifestDifferences();
      if (wrong.length === 0) return true;
      throw new Error(`${wrong.length} of ${expected.size} manifests differ, e.g. ${wrong[0]}`);
    });

    const panes = expectedPanes(events, paneMs);
    const readCounts = async (
      table: "route_panes" | "route_windows",
      start: "pane_start" | "window_start",
    ) => {
      const rows = await warehouse.query(
        `SELECT route, ${start} AS t, sum(searches) AS s, sum(bookings) AS b, sum(seats_booked) AS sb` +
          (table === "route_panes" ? ", sum(cancellations) AS c, sum(seats_cancelled) AS sc" : "") +
          ` FROM ${table} GROUP BY route, ${start}`,
      );
      return new Map(
        rows.map((r) => [
          `${String(r["route"])} ${epochOf(r["t"])}`,
          {
            searches: Number(r["s"]),
            bookings: Number(r["b"]),
            seatsBooked: Number(r["sb"]),
            ...(table === "route_panes"
              ? { cancellations: Number(r["c"]), seatsCancelled: Number(r["sc"]) }
              : {}),
          },
        ]),
      );
    };
    const differences = (
      got: Map<string, Partial<ExpectedCounts>>,
      want: Map<string, Partial<ExpectedCounts>>,
    ) =>
      [...new Set([...got.keys(), ...want.keys()])]
        .filter((k) => JSON.stringify(got.get(k)) !== JSON.stringify(want.get(k)))
        .map((k) => `${k}: ${JSON.stringify(got.get(k))} ≠ ${JSON.stringify(want.get(k))}`);
    await eventually("every pane", 240_000, async () => {
      const wrong = differences(await readCounts("route_panes", "pane_start"), panes);
      if (wrong.length === 0) return true;
      // What a failure needs to be understood: each part of the first pane that differs, by shard.
      const [route, start] = (wrong[0] as string).split(/[ :]/) as [string, string];
      const parts = await warehouse.query(
        `SELECT shard_id, searches, bookings, cancellations FROM route_panes WHERE route = '${route}' AND pane_start = '${new Date(Number(start)).toISOString().replace("T", " ").slice(0, 19)}'`,
      );
      throw new Error(
        `${wrong.length} of ${panes.size} panes differ, e.g. ${wrong.slice(0, 3).join("; ")}; parts of the first: ${JSON.stringify(parts)}; the timeline:\n${log.join("\n")}`,
      );
    });
    note("panes complete");

    // Windows: each one written holds exactly the panes it spans (its parts summed over shards), and none
    // is missing that the events' own watermark has passed. (Later ones follow as the idle shards' watermark
    // advances in processing time: a minute per minute, so the run's last quarter hour is still open.)
    const windowCounts = (counts: ExpectedCounts) => ({
      searches: counts.searches,
      bookings: counts.bookings,
      seatsBooked: counts.seatsBooked,
    });
    const wantWindows = new Map(
      [...expectedWindows(panes, windowMs, paneMs)].map(([k, v]) => [k, windowCounts(v)] as const),
    );
    const lastOfRoute = new Map<string, number>();
    for (const e of events)
      lastOfRoute.set(routeOf(e), Math.max(lastOfRoute.get(routeOf(e)) ?? 0, Date.parse(e.occurredAt)));
    const passed = (key: string) => {
      const [route, start] = key.split(" ") as [string, string];
      return Number(start) + windowMs <= (lastOfRoute.get(route) ?? 0) - allowedLatenessMs;
    };
    const windowDifferences = (got: Map<string, Partial<ExpectedCounts>>) => [
      ...differences(got, new Map([...wantWindows].filter(([k]) => got.has(k)))),
      ...[...wantWindows.keys()].filter((k) => passed(k) && !got.has(k)).map((k) => `${k}: missing`),
    ];
    const windows = await eventually("every window", 60_000, async () => {
      const got = await readCounts("route_windows", "window_start");
      const wrong = windowDifferences(got);
      if (wrong.length === 0) return got;
      throw new Error(
        `${wrong.length} of ${wantWindows.size} windows differ, e.g. ${wrong.slice(0, 3).join("; ")}`,
      );
    });
    expect([...wantWindows.keys()].filter(passed).length, "windows checked for presence").to.be.greaterThan(
      500,
    );
    note("windows complete");

    const readRejected = async () =>
      (await warehouse.query("SELECT raw_base64 FROM rejected_events"))
        .map((r) => String(r["raw_base64"]))
        .sort();
    const rejected = await readRejected();
    expect(rejected.length, "rejected events").to.equal(badPayloads.length);
    expect(rejected).to.deep.equal(badPayloads);
    let rejectedItems = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out = await aws.dynamodb.send(
        new ScanCommand({ TableName: names.rejectedTable, Select: "COUNT", ExclusiveStartKey: startKey }),
      );
      rejectedItems += out.Count ?? 0;
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
    expect(rejectedItems, "rejected-events table").to.equal(badPayloads.length);

    const surgeAlerts = () =>
      stack.sns
        .messages(stack.state.topics.demand)
        .filter((m) => m.attributes?.["alertType"]?.StringValue === "demand_surge");
    const surges = surgeAlerts();
    expect(surges.map((m) => m.attributes?.["route"]?.StringValue)).to.deep.equal(["LHR-DXB"]);
    const alertRows = await count("SELECT count(*) AS n FROM alerts WHERE alert_type = 'demand_surge'");
    expect(alertRows).to.equal(1);

    // The troubles really happened.
    expect(dynamoProxy.counts.faulted, "DynamoDB requests throttled").to.be.greaterThan(0);
    expect(dataApiProxy.counts.faulted, "Data API requests failed").to.be.greaterThan(0);
    const shards =
      (await aws.kinesis.send(new ListShardsCommand({ StreamName: names.bookingStream }))).Shards ?? [];
    expect(shards).to.have.length(5);

    const factTotal = Object.values(facts).reduce((a, b) => a + Number(b), 0);
    const expectedTotal = Object.values(expectedFacts).reduce((a, b) => a + b, 0);
    const table = [
      ["records produced (with re-sends)", entries.length],
      ["distinct events", distinct.size],
      ["re-sent by the producer", resent],
      ["bad records injected", badPayloads.length],
      ["facts (bookings, cancellations, searches, flights)", factTotal],
      ["rejected events", rejected.length],
      ["lost", expectedTotal - factTotal],
      ["panes / windows checked", `${panes.size} / ${windows.size}`],
      ["surge alerts (expected 1)", surges.length],
      ["DynamoDB requests throttled", dynamoProxy.counts.faulted],
      ["Data API requests failed", dataApiProxy.counts.faulted],
      ["workers started (3 + 3 SIGKILL + 3 SIGTERM)", nextIndex - 1],
    ];
    console.log(
      `\n${log.join("\n")}\n\n| chaos run | |\n|---|---:|\n${table.map(([k, v]) => `| ${k} | ${typeof v === "number" ? v.toLocaleString("en-US") : v} |`).join("\n")}\n`,
    );
    expect(expectedTotal - factTotal, "lost").to.equal(0);

    // Act again: every worker dies at once and the lease table is wiped, so the whole stream (the split's
    // parent and children included) is read again from the start; then they stop gracefully, which flushes
    // everything they rebuilt to the warehouse.
    await Promise.all(live.splice(0).map((w) => stopWorker(w, "SIGKILL")));
    const leases = await aws.dynamodb.send(new ScanCommand({ TableName: names.leaseTable }));
    for (const item of leases.Items ?? [])
      await aws.dynamodb.send(
        new DeleteItemCommand({
          TableName: names.leaseTable,
          Key: { leaseKey: item["leaseKey"] as AttributeValue },
        }),
      );
    const replayers = await startWorkers(3);
    await eventually("the replay of every record", 120_000, async () => {
      let seen = 0;
      for (const w of replayers) {
        const m = (await (await fetch(`${w.endpoint}/metrics`)).json()) as {
          events?: number;
          rejected?: number;
        };
        seen += (m.events ?? 0) + (m.rejected ?? 0);
      }
      return seen >= entries.length ? seen : undefined;
    });
    await Promise.all(live.splice(0).map((w) => stopWorker(w, "SIGTERM")));
    note("replayed from the start, workers stopped");
    console.log(`${log.slice(-1).join("")}\n`);

    // Assess: nothing changed.
    expect(await factCounts()).to.deep.equal(expectedFacts);
    expect(await manifestDifferences()).to.deep.equal([]);
    expect(differences(await readCounts("route_panes", "pane_start"), panes)).to.deep.equal([]);
    expect(windowDifferences(await readCounts("route_windows", "window_start"))).to.deep.equal([]);
    expect(await readRejected()).to.deep.equal(badPayloads);
    expect(surgeAlerts()).to.have.length(1);
    expect(await count("SELECT count(*) AS n FROM alerts WHERE alert_type = 'demand_surge'")).to.equal(1);
  });
});
