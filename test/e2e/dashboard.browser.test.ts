// The dashboard in a real browser (Debian's Chromium through playwright-core): `flightpulse start` with a
// scripted surge, short panes and windows so it shows within seconds; the numbers must move, the route
// demand fill in and the surge alert appear as SNS sent it. Saves a screenshot; Ctrl-C leaves nothing.
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { type Browser, chromium } from "playwright-core";
import { startCli, waitGone } from "../fixtures/start-cli";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));
/** Where the screenshot goes: the test's folder by default; docs/ when refreshing the README's picture. */
const SCREENSHOT_DIR = process.env["FLIGHTPULSE_SCREENSHOT_DIR"];

const number = async (page: import("playwright-core").Page, id: string) =>
  Number(((await page.textContent(`#${id}`)) ?? "").replace(/[^0-9]/g, "") || "0");

describe("dashboard in a browser (Chromium)", function () {
  this.timeout(150_000);
  let browser: Browser | undefined;

  before(() => {
    // .ci/run installs Debian's chromium; anywhere else, say what is missing rather than pass silently.
    if (CHROMIUM === undefined)
      throw new Error(
        "Chromium is missing: install Debian's chromium (apt-get install chromium), as .ci/run does",
      );
  });
  after(async () => {
    await browser?.close();
  });

  it("shows live numbers, route demand and the surge alert, and Ctrl-C leaves no process", async () => {
    // Prepare: the pipeline with 5 s panes, 1-minute windows and a twenty-fold surge on LHR-DXB.
    const s = await startCli(
      ["--rate", "200", "--kinesis", "kinesalite", "--surge", "LHR-DXB@3+120*20", "--no-flink"],
      {
        FLIGHTPULSE_PANE_SECONDS: "5",
        FLIGHTPULSE_WINDOW_MINUTES: "1",
        FLIGHTPULSE_ALLOWED_LATENESS_SECONDS: "2",
        FLIGHTPULSE_IDLE_TIMEOUT_SECONDS: "5",
      },
      60_000,
    );
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM as string, args: ["--no-sandbox"] });
      const page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
      const opened = Date.now();
      // Act
      await page.goto(s.state.dashboard as string);
      // Assess: live data, and the counters keep moving. How fast (the 20 s start-up target) is measured
      // by `npm run bench startup` over interleaved rounds, not bounded here: a time bound on a shared
      // two-core machine failed this test at 20.8 s and 27 s while everything it checks worked.
      const kpi = (id: string) =>
        `Number(document.getElementById("${id}").textContent.replace(/[^0-9]/g, "") || "0")`;
      await page.waitForFunction(`${kpi("kpi-processed")} > 0`, undefined, { timeout: 60_000 });
      const first = await number(page, "kpi-eventsIn");
      await page.waitForFunction(`${kpi("kpi-eventsIn")} > ${first}`, undefined, { timeout: 30_000 });
      console.log(
        `      (live, moving numbers ${((s.startupMs + Date.now() - opened) / 1000).toFixed(1)} s after start)`,
      );
      await page.waitForSelector('#top-routes tr[data-route="LHR-DXB"]', { timeout: 60_000 });
      const alert = await page.waitForSelector('#alerts li[data-alert-type="demand_surge"]', {
        timeout: 60_000,
      });
      expect(await alert.textContent()).to.contain("LHR-DXB");
      // Manifests are written at the workers' first checkpoint (FLIGHTPULSE_MANIFEST_WRITES=checkpoint).
      await page.waitForSelector("#manifests tr", { timeout: 30_000 });
      expect(await page.locator("#manifests tr").count()).to.be.greaterThan(0);
      // The consumers panel: shards show their owner's lag and records/s (they were "–" before), and the
      // size of the state snapshot written at the last checkpoint.
      await page.waitForFunction(
        `[...document.querySelectorAll("#shards tbody tr")].some((r) => r.cells[2].textContent !== "–" && r.cells[3].textContent !== "–" && /^[0-9.]+ (B|KB|MB)$/.test(r.cells[5].textContent))`,
        undefined,
        { timeout: 30_000 },
      );
      const shot = path.join(SCREENSHOT_DIR ?? s.dir, "dashboard.png");
      await page.screenshot({ path: shot, fullPage: true });
      expect(fs.statSync(shot).size).to.be.greaterThan(20_000);
      // Ctrl-C
      const pids = Object.values(s.state.pids);
      s.child.kill("SIGINT");
      expect(await s.exited, s.output()).to.equal(0);
      expect(await waitGone(pids, 10_000), "processes still alive").to.deep.equal([]);
    } finally {
      s.child.kill("SIGKILL");
      if (SCREENSHOT_DIR === undefined) fs.rmSync(s.dir, { recursive: true, force: true });
    }
  });
});
