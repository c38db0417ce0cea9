// `npm run docs`: regenerates the generated parts of README.md (marked <!-- generated:NAME -->) from the
// code that defines them, so the configuration reference can never list a setting the code does not read.
import * as fs from "node:fs";
import * as path from "node:path";
import { settingsTable } from "../consumers/config/settings";
import { WORKER_SETTINGS } from "../consumers/config/worker-settings";

export const README = path.join(__dirname, "..", "README.md");

export const GENERATED: Record<string, () => string> = {
  "worker-settings": () => settingsTable(WORKER_SETTINGS),
};

/** README text with every generated block replaced by its current content. */
export function renderReadme(current: string): string {
  let out = current;
  for (const [name, render] of Object.entries(GENERATED)) {
    const open = `<!-- generated:${name} -->`;
    const close = `<!-- /generated:${name} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start < 0 || end < start) throw new Error(`README.md has no ${open} ... ${close} block`);
    out = `${out.slice(0, start + open.length)}\n${render()}\n${out.slice(end)}`;
  }
  return out;
}

if (require.main === module) {
  const current = fs.readFileSync(README, "utf8");
  const next = renderReadme(current);
  if (next !== current) fs.writeFileSync(README, next);
  console.log(next === current ? "README.md is up to date" : "README.md updated");
}
