import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { expect } from "chai";
import { decodeRecord } from "../../../analytics/events";
import { UsageError } from "../../../ingest/commands/command-io";
import { replay } from "../../../ingest/commands/replay";
import { simulate } from "../../../ingest/commands/simulate";
import { recordingIo } from "../../fixtures/command-io";

const io = (argv: string[], cwd: string) => recordingIo(argv, cwd);

describe("simulate and replay commands", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fp-cmd-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("simulate --out writes exactly --count JSON lines, gzip by extension, the same for the same seed", async () => {
    const args = (file: string) => [
      "--out",
      path.join(dir, file),
      "--count",
      "8000",
      "--seed",
      "9",
      "--start",
      "2026-11-22T12:00:00Z",
    ];
    expect(await simulate(io(args("a.jsonl"), dir))).to.equal(0);
    expect(await simulate(io(args("b.jsonl.gz"), dir))).to.equal(0);
    const plain = fs.readFileSync(path.join(dir, "a.jsonl"), "utf8");
    const unzipped = gunzipSync(fs.readFileSync(path.join(dir, "b.jsonl.gz"))).toString();
    expect(unzipped).to.equal(plain);
    const lines = plain.trimEnd().split("\n");
    expect(lines).to.have.length(8000);
    const bad = lines.filter((l) => !decodeRecord(l).ok).length;
    expect(bad).to.be.within(1, 80);
  });

  const usage: [string[], string][] = [
    [["--rate", "fast"], '--rate "fast" must be a number'],
    [["--duration", "soon"], "--duration"],
    [["--surge", "LHR"], "LHR-DXB@60+180*10"],
    [["--out", "x.jsonl"], "--out needs --count"],
    [["--wat"], "Unknown option '--wat'"],
  ];
  for (const [argv, message] of usage) {
    it(`simulate ${argv.join(" ")} is a usage error naming the flag`, async () => {
      const err = await simulate(io(argv, dir)).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(UsageError);
      expect((err as Error).message).to.include(message);
    });
  }

  it("replay explains a missing file and a missing stream", async () => {
    const missing = await replay(io(["nope.jsonl"], dir)).catch((e: Error) => e);
    expect((missing as Error).message).to.include("does not exist");
    fs.writeFileSync(path.join(dir, "x.jsonl"), "{}\n");
    const noStream = await replay(io([path.join(dir, "x.jsonl")], dir)).catch((e: Error) => e);
    expect((noStream as Error).message).to.include("run `npm start` first");
  });
});
