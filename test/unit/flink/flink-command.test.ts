// `flightpulse flink`'s own errors: what it needs to find an application, and a local stack that is gone.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import type { FlinkControlError } from "../../../analytics/flink/control";
import { flink } from "../../../analytics/flink/flink-command";
import { UsageError } from "../../../ingest/commands/command-io";
import { freePort } from "../../../local/emulators/ports";
import { recordingIo } from "../../fixtures/command-io";

describe("flightpulse flink (command line)", () => {
  let cwd: string;
  /** The output of the last command run. */
  let lines: string[] = [];
  const io = (argv: string[]) => {
    const recording = recordingIo(argv, cwd);
    lines = recording.lines;
    return recording;
  };

  beforeEach(() => {
    cwd = mkdtempSync(path.join(tmpdir(), "flightpulse-flink-cli-"));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it("needs a region with --app, and says where to find a local app otherwise", async () => {
    const noRegion = await flink(io(["status", "--app", "flightpulse-prod-insights"])).catch(
      (e: unknown) => e,
    );
    expect(noRegion).to.be.instanceOf(UsageError);
    expect((noRegion as Error).message).to.equal("--region (or AWS_REGION) is required with --app");
    const noStack = await flink(io(["status"])).catch((e: unknown) => e);
    expect((noStack as FlinkControlError).code).to.equal("NO_LOCAL_STACK");
    expect((noStack as Error).message).to.match(/npm start.*--app and --region/);
  });

  it("names the local stack as not running when its endpoint does not answer", async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    mkdirSync(path.join(cwd, ".flightpulse"));
    writeFileSync(
      path.join(cwd, ".flightpulse", "local.json"),
      JSON.stringify({ endpoints: { kinesisAnalytics: endpoint }, flink: { application: "a" } }),
    );
    expect(await flink(io(["status"]))).to.equal(1);
    expect(lines.join("\n")).to.include(`the local stack is not running (nothing answers at ${endpoint}`);
  });

  it("refuses a malformed --set and an unknown subcommand as usage errors", async () => {
    mkdirSync(path.join(cwd, ".flightpulse"));
    writeFileSync(
      path.join(cwd, ".flightpulse", "local.json"),
      JSON.stringify({ endpoints: { kinesisAnalytics: "http://127.0.0.1:9" }, flink: { application: "a" } }),
    );
    const set = await flink(io(["deploy", "--set", "lateness"])).catch((e: unknown) => e);
    expect((set as Error).message).to.equal('--set "lateness" must be NAME=VALUE');
    const unknown = await flink(io(["explode"])).catch((e: unknown) => e);
    expect(unknown).to.be.instanceOf(UsageError);
  });
});
