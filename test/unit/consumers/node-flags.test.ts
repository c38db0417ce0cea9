import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { WORKER_NODE_FLAGS } from "../../../consumers/node-flags";

describe("worker V8 flags", () => {
  it("are the ones the ECS image starts the worker with (Dockerfile CMD), before the script", () => {
    const dockerfile = readFileSync(path.join(__dirname, "../../../Dockerfile"), "utf8");
    const cmd = dockerfile.split("\n").find((l) => l.startsWith("CMD "));
    expect(cmd, "the Dockerfile's CMD").to.be.a("string");
    const args = JSON.parse((cmd as string).slice(4)) as string[];
    expect(args.slice(0, WORKER_NODE_FLAGS.length)).to.deep.equal([...WORKER_NODE_FLAGS]);
    expect(args.slice(WORKER_NODE_FLAGS.length)).to.deep.equal(["dist/consumers/main.js", "worker"]);
  });

  it("are accepted by this Node.js (a typo would stop every worker at start-up)", () => {
    const out = execFileSync(process.execPath, [...WORKER_NODE_FLAGS, "-e", "process.stdout.write('ok')"], {
      encoding: "utf8",
    });
    expect(out).to.equal("ok");
  });
});
