// The batch path end to end: `flightpulse replay` of a 40k-event file (gzip, 1% bad lines) into the
// local stack, two workers, and the warehouse reconciles: lines sent = facts + rejected events.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createGzip } from "node:zlib";
import { expect } from "chai";
import { createAwsClients, localAwsConfig } from "../../../consumers/aws/clients";
import { SdkDataApi } from "../../../consumers/warehouse/data-api";
import { replay } from "../../../ingest/commands/replay";
import { toEntry } from "../../../ingest/commands/simulate";
import { TrafficSimulator } from "../../../ingest/simulator/traffic";
import type { RunningService } from "../../../local/emulators/child-service";
import { LOCAL_WAREHOUSE, type LocalStack, startLocalStack } from "../../../local/stack/local-stack";
import { startLocalWorkers } from "../../../local/stack/local-workers";

const LINES = 40_000;

async function writeEvents(file: string): Promise<{ bad: number }> {
  const sim = new TrafficSimulator({
    seed: 17,
    startTime: Date.now() - 3 * 3_600_000,
    ratePerSecond: 20,
    scheduleDays: 2,
  });
  const records = sim.take(LINES).slice(0, LINES);
  const gzip = createGzip();
  const done = new Promise<void>((resolve, reject) =>
    gzip.pipe(fs.createWriteStream(file)).on("finish", resolve).on("error", reject),
  );
  for (let i = 0; i < records.length; i += 5000)
    gzip.write(
      `${records
        .slice(i, i + 5000)
        .map((r) => Buffer.from(toEntry(r).data).toString("utf8"))
        .join("\n")}\n`,
    );
  gzip.end();
  await done;
  return { bad: records.filter((r) => r.kind === "bad").length };
}

describe("flightpulse replay of 40k events, reconciled in the warehouse", function () {
  this.timeout(300_000);
  let stack: LocalStack;
  let dir: string;
  let workers: RunningService[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fp-replay-"));
    stack = await startLocalStack({ root: dir, kinesis: "kinesalite", bookingShards: 4 });
  });
  after(async () => {
    await Promise.allSettled(workers.map((w) => w.stop()));
    await stack?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("every line sent reaches the sinks: facts + rejected = lines, and the rate is reported", async () => {
    // Prepare
    const file = path.join(dir, "day.jsonl.gz");
    const { bad } = await writeEvents(file);
    const out: string[] = [];
    // Act: the command as the CLI runs it (it finds the stack through .flightpulse/local.json).
    const code = await replay({
      argv: [file],
      out: (l) => out.push(l),
      err: () => {},
      tty: false,
      cwd: dir,
      signal: new AbortController().signal,
    });
    workers = await startLocalWorkers(stack, {
      count: 2,
      cwd: dir,
      env: { FLIGHTPULSE_IDLE_TIMEOUT_SECONDS: "3" },
    });
    // Assess
    expect(code).to.equal(0);
    const summary = out.find((l) => l.startsWith("replayed")) ?? "";
    expect(summary).to.match(/^replayed 40,000 of 40,000 lines in [0-9.]+ s \([0-9,]+ events\/s;/);
    const aws = createAwsClients(localAwsConfig(stack.state.endpoints));
    try {
      const warehouse = new SdkDataApi(aws.redshiftData, { database: "dev", workgroupName: LOCAL_WAREHOUSE });
      const count = async (table: string) =>
        Number((await warehouse.query(`SELECT count(*) AS n FROM ${table}`))[0]?.["n"]);
      const tables = ["booking_facts", "cancellation_facts", "search_facts", "flights", "rejected_events"];
      let counts: Record<string, number> = {};
      const deadline = Date.now() + 240_000;
      for (;;) {
        counts = Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await count(t)] as const)));
        if (Object.values(counts).reduce((a, b) => a + b, 0) >= LINES || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      expect(
        Object.values(counts).reduce((a, b) => a + b, 0),
        JSON.stringify(counts),
      ).to.equal(LINES);
      expect(counts["rejected_events"]).to.equal(bad);
      expect(counts["search_facts"]).to.be.greaterThan(counts["booking_facts"] as number);
    } finally {
      aws.destroy();
    }
  });
});
