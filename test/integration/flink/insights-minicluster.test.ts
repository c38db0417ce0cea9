// The Flink SQL application on a real Flink 1.19 MiniCluster (the jar Managed Flink runs, in file mode)
// over 60k generated events with late, out-of-order, offset-stamped and bad records: every insight row
// equals the independent DuckDB computation of the same definitions, exactly.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { buildFlinkArtifact } from "../../../analytics/flink/artifact";
import { javaArgs, javaExecutable, readSinkLines, runFileJob } from "../../../analytics/flink/local-job";
import {
  decodeJobOutput,
  differences,
  type InsightRow,
  referenceInsights,
} from "../../fixtures/flink-reference";
import { insightTraffic } from "../../fixtures/insight-traffic";

const LATENESS_SECONDS = 30;
const SINKS = ["airport_demand_insights", "top_route_insights", "channel_conversion_insights"];

describe("Flink insights on a MiniCluster (integration)", function () {
  this.timeout(600_000);
  let dir: string;
  let traffic: ReturnType<typeof insightTraffic>;
  let actual: InsightRow[];
  let reference: Awaited<ReturnType<typeof referenceInsights>>;

  before(async () => {
    // Prepare: the jar (built once per machine and input change), 60k events over four hours.
    await buildFlinkArtifact({ onProgress: (l) => process.stderr.write(`      ${l}\n`) });
    dir = mkdtempSync(path.join(tmpdir(), "flightpulse-flink-"));
    traffic = insightTraffic({ events: 60_000, hours: 4, seed: 42 });
    const input = path.join(dir, "events.jsonl");
    writeFileSync(input, `${traffic.lines.join("\n")}\n`);
    // Act: Flink and DuckDB over the same lines.
    await runFileJob({
      sourceFile: input,
      sinkDir: path.join(dir, "out"),
      allowedLatenessSeconds: LATENESS_SECONDS,
    });
    actual = decodeJobOutput(SINKS.flatMap((t) => readSinkLines(path.join(dir, "out"), t)));
    reference = await referenceInsights(traffic.lines, LATENESS_SECONDS * 1000);
  });

  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("reads a stream with what makes it hard: bad records, late events, many offsets", () => {
    expect(traffic.lines.length).to.be.greaterThan(55_000);
    expect(traffic.lines.length - traffic.validEvents).to.be.greaterThan(500);
    expect(reference.lateEvents).to.be.greaterThan(200);
    expect(traffic.lines.filter((l) => /"occurredAt":"[^"]*[+-]\d\d:\d\d"/.test(l)).length).to.be.greaterThan(
      5_000,
    );
  });

  for (const type of ["insight.airport-demand", "insight.top-route", "insight.channel-conversion"]) {
    it(`${type}: every row equals DuckDB's, exactly`, () => {
      const mine = actual.filter((r) => r.type === type);
      const theirs = reference.rows.filter((r) => r.type === type);
      expect(theirs.length, "the reference produced rows").to.be.greaterThan(40);
      const diff = differences(mine, theirs);
      expect(diff, `Flink ${mine.length} rows, DuckDB ${theirs.length}`).to.deep.equal({
        extra: 0,
        missing: 0,
        examples: { extra: [], missing: [] },
      });
    });
  }

  it("refuses a bad setting at start-up, naming it", () => {
    for (const [settings, named] of [
      [
        { sourceFile: "x", sinkDir: "y", allowedLatenessSeconds: "soon" },
        /setting allowedLatenessSeconds must be a whole number/,
      ],
      [
        { region: "us-east-1", sourceStream: "a", sinkStream: "b", initialPosition: "EARLIEST" },
        /setting initialPosition must be one of/,
      ],
      [{ region: "us-east-1", sourceStream: "a" }, /setting sinkStream is required/],
      [{ sourceFile: "x", sinkDir: "y", shards: "4" }, /setting shards unknown setting/],
    ] as const) {
      const run = spawnSync(javaExecutable(), javaArgs(settings), { encoding: "utf8", timeout: 60_000 });
      expect(run.status, JSON.stringify(settings)).to.not.equal(0);
      expect(run.stderr).to.match(named);
    }
  });

  it("counts what the contract accepts and nothing else", () => {
    // Every counted event lands in exactly two airport rows (departing and arriving) of a window that took it.
    const airportEvents = actual
      .filter((r) => r.type === "insight.airport-demand" && r["direction"] === "departing")
      .reduce((n, r) => n + (r["searches"] as number) + (r["bookings"] as number), 0);
    expect(airportEvents).to.be.at.most(reference.countedEvents);
    expect(airportEvents).to.be.greaterThan(reference.countedEvents * 0.95);
  });
});
