// `npm run bench [name...]`: runs every bench/*.bench.ts (or the named ones) one after another, in
// separate processes so one benchmark's heap and JIT state never colour another's figures.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { WORKER_NODE_FLAGS } from "../consumers/node-flags";

const wanted = process.argv.slice(2);
const all = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith(".bench.ts"))
  .sort();
const chosen = wanted.length === 0 ? all : all.filter((f) => wanted.some((w) => f.startsWith(w)));
if (chosen.length === 0) {
  console.error(`no benchmark matches ${wanted.join(", ")}; have: ${all.join(", ")}`);
  process.exit(2);
}
let failed = 0;
for (const file of chosen) {
  console.log(`\n=== ${file}`);
  // With the workers' own V8 flags: a figure here is the figure of the process that runs in production.
  const r = spawnSync(
    process.execPath,
    [...WORKER_NODE_FLAGS, "--import", "tsx", path.join(__dirname, file)],
    {
      stdio: "inherit",
    },
  );
  if (r.status !== 0) {
    failed++;
    console.error(`${file} failed (exit ${r.status})`);
  }
}
console.log(`\nresults: ${path.join(__dirname, "RESULTS.md")}`);
process.exit(failed === 0 ? 0 : 1);
