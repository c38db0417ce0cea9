// The worker as a product, on the local stack: 20k simulated events over 30 routes with one surge, 1%
// bad records and 3% of the events sent twice by the producer (a retry's re-send, 1 to 500 records
// later), through two worker processes → seat manifests equal to an independent fold of the events,
// exactly one surge alert, every bad record in the rejected sink, panes in the warehouse counting every
// booking once. Then both workers are killed and the shards replayed from the start: nothing changes.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DeleteItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { createAwsClients, localAwsConfig } from "../../../consumers/aws/clients";
import { figuresOf } from "../../../consumers/sinks/manifests/flight-manifest";
import { DynamoDbManifestStore } from "../../../consumers/sinks/manifests/manifest-store";
import { SdkDataApi } from "../../../consumers/warehouse/data-api";
import { toEntry } from "../../../ingest/commands/simulate";
import { sdkKinesisPutPort } from "../../../ingest/kinesis-put-port";
import { KinesisProducer } from "../../../ingest/producer";
import { ROUTES } from "../../../ingest/simulator/network";
import { createRandom } from "../../../ingest/simulator/prng";
import { parseSurge } from "../../../ingest/simulator/scenarios";
import { TrafficSimulator } from "../../../ingest/simulator/traffic";
import type { RunningService } from "../../../local/emulators/child-service";
import { LOCAL_WAREHOUSE, type LocalStack, startLocalStack } from "../../../local/stack/local-stack";
import { startLocalWorkers } from "../../../local/stack/local-workers";
import { type ExpectedFlight, eventually, expectedManifests } from "../../fixtures/pipeline-expectations";

const WORKER_ENV = {
  FLIGHTPULSE_SURGE_FLOOR_SEATS: "250",
  FLIGHTPULSE_IDLE_TIMEOUT_SECONDS: "3",
  FLIGHTPULSE_FAILOVER_MS: "3000",
};

describe("worker pipeline on the local stack (20k events, 30 routes, a surge, 1% bad records)", function () {
  this.timeout(300_000);
  let stack: LocalStack;
  let dir: string;
  let workers: RunningService[] = [];
  let aws: ReturnType<typeof createAwsClients>;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fp-worker-"));
    stack = await startLocalStack({ root: dir, kinesis: "kinesalite", bookingShards: 2 });
    aws = createAwsClients(localAwsConfig(stack.state.endpoints));
  });

  after(async () => {
    await Promise.allSettled(workers.map((w) => w.stop()));
    aws?.destroy();
    await stack?.stop();
    if (process.env["KEEP_TEST_DIR"] === undefined) fs.rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  });

  it("turns the records into exact manifests, one surge alert and every rejection, and a replay changes nothing", async () => {
    // Prepare: the traffic, with a ten-fold surge on LHR-DXB from minute 10 to 15.
    const names = stack.state.resources;
    const sim = new TrafficSimulator({
      seed: 5,
      startTime: Date.now() - 40 * 60_000,
      ratePerSecond: 10,
      routes: ROUTES.slice(0, 30),
      scheduleDays: 2,
      scenarios: [parseSurge("LHR-DXB@600+300*10")],
    });
    const records = sim.take(20_000);
    const events = records.flatMap((r) => (r.kind === "event" ? [r.event] : []));
    const bad = records.length - events.length;
    const expected = expectedManifests(events);
    const bookings = events.filter((e) => e.type === "booking.created").length;
    const producer = new KinesisProducer({
      port: sdkKinesisPutPort(aws.kinesis),
      streamName: names.bookingStream,
      concurrency: 1, // in order: parallel lanes would interleave minutes of back-dated traffic
    });
    // A producer's re-sends: 3% of the events go to the stream a second time, 1 to 500 records later.
    const original = records.map(toEntry);
    const entries = [...original];
    const random = createRandom(11);
    let resent = 0;
    records.forEach((r, i) => {
      if (r.kind !== "event" || !random.chance(0.03)) return;
      const entry = original[i] as (typeof original)[number];
      entries.splice(Math.min(entries.indexOf(entry) + random.int(1, 500), entries.length), 0, entry);
      resent++;
    });
    expect(resent).to.be.within(450, 750);
    await producer.putRecords(entries);

    // Act
    workers = await startLocalWorkers(stack, { count: 2, cwd: dir, env: WORKER_ENV });

    // Assess
    const manifests = new DynamoDbManifestStore(aws.dynamodb, names.manifestTable);
    const readManifests = async () => {
      const out = new Map<string, ExpectedFlight>();
      for (const flight of expected.keys()) {
        const stored = await manifests.get(flight);
        if (stored === undefined) continue;
        const f = figuresOf(stored.manifest);
        out.set(flight, { capacity: f.capacity, seatsBooked: f.seatsBooked, bookings: f.confirmedBookings });
      }
      return out;
    };
    const countRejected = async () => {
      let n = 0;
      let start: Record<string, import("@aws-sdk/client-dynamodb").AttributeValue> | undefined;
      do {
        const out = await aws.dynamodb.send(
          new ScanCommand({ TableName: names.rejectedTable, Select: "COUNT", ExclusiveStartKey: start }),
        );
        n += out.Count ?? 0;
        start = out.LastEvaluatedKey;
      } while (start !== undefined);
      return n;
    };
    const warehouse = new SdkDataApi(aws.redshiftData, { database: "dev", workgroupName: LOCAL_WAREHOUSE });
    const paneBookings = async () =>
      Number(
        (await warehouse.query("SELECT coalesce(sum(bookings), 0) AS n FROM route_panes"))[0]?.["n"] ?? 0,
      );
    const surgeAlerts = () =>
      stack.sns
        .messages(stack.state.topics.demand)
        .filter((m) => m.attributes?.["alertType"]?.StringValue === "demand_surge");

    await eventually("every manifest", 120_000, async () => {
      const actual = await readManifests();
      const wrong = [...expected].filter(([f, e]) => JSON.stringify(actual.get(f)) !== JSON.stringify(e));
      if (wrong.length === 0) return actual;
      throw new Error(
        `${wrong.length} of ${expected.size} flights differ, e.g. ${JSON.stringify(wrong[0])} vs ${JSON.stringify(actual.get(wrong[0]?.[0] as string))}`,
      );
    });
    expect(
      await eventually("every rejection", 30_000, async () =>
        (await countRejected()) === bad ? bad : undefined,
      ),
    ).to.equal(bad);
    expect(bad).to.be.within(150, 250);
    await eventually("every booking in a closed pane", 90_000, async () => {
      const n = await paneBookings();
      if (n === bookings) return true;
      const metrics = await Promise.all(
        workers.map(async (w) => (await fetch(`${w.endpoint}/metrics`)).json()),
      );
      throw new Error(`${n} of ${bookings} bookings in panes; workers ${JSON.stringify(metrics)}`);
    });
    const alerts = surgeAlerts();
    expect(
      alerts.map((m) => m.attributes?.["route"]?.StringValue),
      alerts.map((m) => m.subject).join("; "),
    ).to.deep.equal(["LHR-DXB"]);
    const alertRows = await warehouse.query("SELECT alert_id FROM alerts WHERE alert_type = 'demand_surge'");
    expect(alertRows).to.have.length(1);
    const manifestsBefore = JSON.stringify([...(await readManifests())]);

    // Act again: both workers die abruptly; the shards are replayed from the start (no checkpoint at all).
    for (const w of workers) process.kill(w.pid, "SIGKILL");
    await Promise.allSettled(workers.map((w) => w.stop()));
    const leases = await aws.dynamodb.send(new ScanCommand({ TableName: names.leaseTable }));
    for (const item of leases.Items ?? [])
      await aws.dynamodb.send(
        new DeleteItemCommand({ TableName: names.leaseTable, Key: { leaseKey: item["leaseKey"] as never } }),
      );
    workers = await startLocalWorkers(stack, { count: 2, cwd: dir, env: WORKER_ENV, firstIndex: 3 });
    await eventually("the replay", 120_000, async () => {
      let seen = 0;
      for (const w of workers) {
        const m = (await (await fetch(`${w.endpoint}/metrics`)).json()) as {
          events?: number;
          rejected?: number;
          panes?: number;
        };
        seen += (m.events ?? 0) + (m.rejected ?? 0);
      }
      return seen >= records.length ? seen : undefined;
    });
    // Long enough for idle panes to close and the warehouse to flush again.
    await new Promise((r) => setTimeout(r, 15_000));

    // Assess: the same manifests, rejections, panes and alerts.
    expect(JSON.stringify([...(await readManifests())])).to.equal(manifestsBefore);
    expect(await countRejected()).to.equal(bad);
    expect(await paneBookings()).to.equal(bookings);
    expect(surgeAlerts()).to.have.length(1);
    expect(
      await warehouse.query("SELECT alert_id FROM alerts WHERE alert_type = 'demand_surge'"),
    ).to.have.length(1);
  });
});
