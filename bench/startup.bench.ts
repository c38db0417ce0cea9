// Start-up: how long `flightpulse start` (what `npm start` runs: emulators, tables, workers, simulator,
// dashboard) takes until the dashboard shows live numbers that move, against the local stack alone
// (emulators and tables, no workers, no simulator) started in the same rounds as the baseline. The target
// (live within 20 s of start-up on a laptop) lived in the dashboard's browser test as a timed assertion; a
// time bound on a shared two-core machine belongs here, as a median over interleaved rounds.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startLocalStack } from "../local/stack/local-stack";
import { startCli, waitGone } from "../test/fixtures/start-cli";
import { median, writeSection } from "./results";

const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 5);
const TARGET_MS = 20_000;

interface Totals {
  readonly eventsIn: number;
  readonly processed: number;
}

async function totals(dashboard: string): Promise<Totals> {
  const r = await fetch(`${dashboard}/api/snapshot`, { signal: AbortSignal.timeout(2_000) });
  return ((await r.json()) as { totals: Totals }).totals;
}

/** From spawning `flightpulse start` to the dashboard reporting processed events and a rising event count. */
async function pipelineToLive(): Promise<number> {
  const s = await startCli(["--rate", "200", "--kinesis", "kinesalite", "--no-flink"], {}, 120_000);
  const began = Date.now() - s.startupMs;
  try {
    const dashboard = s.state.dashboard as string;
    const deadline = Date.now() + 120_000;
    let firstIn: number | undefined;
    for (;;) {
      const t = await totals(dashboard).catch(() => undefined);
      if (t !== undefined && t.processed > 0) {
        if (firstIn === undefined) firstIn = t.eventsIn;
        else if (t.eventsIn > firstIn) return Date.now() - began;
      }
      if (Date.now() > deadline) throw new Error(`no live numbers within 120 s:\n${s.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    const pids = Object.values(s.state.pids);
    s.child.kill("SIGINT");
    await s.exited;
    await waitGone(pids, 10_000);
    fs.rmSync(s.dir, { recursive: true, force: true });
  }
}

/** The local stack alone: emulators up, tables and topics created. */
async function stackAlone(): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fp-bench-startup-"));
  const began = Date.now();
  const stack = await startLocalStack({ root: dir, kinesis: "kinesalite" });
  const ms = Date.now() - began;
  await stack.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  return ms;
}

async function main() {
  const stack: number[] = [];
  const live: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate the order: the first run of a round pays for a cold page cache more than the second.
    const runs = round % 2 === 1 ? [stackAlone, pipelineToLive] : [pipelineToLive, stackAlone];
    for (const run of runs) (run === stackAlone ? stack : live).push(await run());
    console.log(
      `round ${round}: live after ${((live.at(-1) as number) / 1000).toFixed(1)} s; the local stack alone ${((stack.at(-1) as number) / 1000).toFixed(1)} s`,
    );
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const shares = live.map((ms, i) => (stack[i] as number) / ms);
  const rows = live.map(
    (ms, i) => `| ${i + 1} | ${s(stack[i] as number)} | ${s(ms)} | ${(shares[i] as number).toFixed(2)}× |`,
  );
  const summary = `startup: median ${s(median(live))} from \`flightpulse start\` to live numbers (min ${s(Math.min(...live))}, max ${s(Math.max(...live))}) over ${ROUNDS} rounds; the local stack alone ${s(median(stack))}, ${median(shares).toFixed(2)}× of it; target ${s(TARGET_MS)}: ${median(live) < TARGET_MS ? "met" : "not met"} on the median`;
  const body = [
    `\`flightpulse start --rate 200 --kinesis kinesalite --no-flink\` (what \`npm start\` runs, without the Flink JVM) from spawn until the dashboard's API reports processed events and a rising event count, against the local stack alone (emulators, tables, topics; no workers, simulator or dashboard) in the same rounds, ${ROUNDS} interleaved rounds, the order alternating.`,
    "",
    "| round | local stack alone (baseline) | `flightpulse start` to live numbers | baseline's share |",
    "|---:|---:|---:|---:|",
    ...rows,
    "",
    summary,
  ].join("\n");
  console.log(body);
  writeSection("startup", "Start-up (`npm start` to live numbers)", "npm run bench startup", body);
}

main()
  .then(() => process.exit(0))
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
