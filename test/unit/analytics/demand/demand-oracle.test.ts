// The oracle: a simulated day of traffic (100k+ events, 50+ routes, 4 shards, out of order with late
// stragglers) through the streaming pipeline gives exactly the pane figures of an independent batch
// computation of the same definitions in SQL (sql/reference/demand-panes.sql) in DuckDB.
import { expect } from "chai";
import { from, VirtualTimeScheduler } from "rxjs";
import { demandOptions } from "../../../../analytics/demand/demand-options";
import { demandPipeline } from "../../../../analytics/demand/demand-pipeline";
import type { DemandInput, DemandOutput, PaneClosed } from "../../../../analytics/demand/stream-items";
import { decodeRecord } from "../../../../analytics/events";
import { InMemoryBaselineStore } from "../../../../analytics/rules/route-baseline";
import { loadReference, type ReferenceEvent } from "../../../fixtures/demand-reference";
import { dayOfTraffic } from "../../../fixtures/demand-traffic";

describe("demand panes against a SQL oracle (DuckDB)", function () {
  this.timeout(120_000);

  it("a day of traffic gives exactly the pane figures of the batch computation", async () => {
    // Prepare: the day, decoded, fed to the pipeline shard by shard in batches of 500, interleaved.
    const options = demandOptions();
    const traffic = dayOfTraffic({ events: 100_000, shards: 4, seed: 42 });
    const reference: ReferenceEvent[] = [];
    const inputs: DemandInput[] = [];
    const perShard = [...traffic].map(([shardId, records]) => {
      const events = records.map((r) => {
        const d = decodeRecord(r.data);
        if (!d.ok) throw new Error(d.rejection.reason);
        reference.push({ shardId, seq: r.seq, eventTimeMs: d.eventTimeMs, event: d.event });
        return { position: { sequenceNumber: String(r.seq) }, eventTimeMs: d.eventTimeMs, event: d.event };
      });
      return { shardId, events };
    });
    for (let i = 0; perShard.some((s) => i < s.events.length); i += 500)
      for (const s of perShard)
        if (i < s.events.length)
          inputs.push({ kind: "events", shardId: s.shardId, events: s.events.slice(i, i + 500) });
    for (const s of perShard) inputs.push({ kind: "shard-ended", shardId: s.shardId, reason: "shard-end" });

    // Act
    const outputs: DemandOutput[] = [];
    from(inputs)
      .pipe(demandPipeline(options, new InMemoryBaselineStore(), new VirtualTimeScheduler()))
      .subscribe((o) => outputs.push(o));
    const db = await loadReference(reference, options.currency);
    const expected = await db.panes(options);
    db.close();

    // Assess
    const routes = new Set(reference.map((r) => `${r.event.origin}-${r.event.destination}`));
    expect(reference.length).to.be.greaterThanOrEqual(100_000);
    expect(routes.size).to.be.greaterThanOrEqual(50);
    const late = outputs.filter((o) => o.kind === "late").length;
    expect(late, "the day must include late events").to.be.greaterThan(100);
    const actual = outputs
      .filter((o): o is PaneClosed => o.kind === "pane")
      .map(({ pane: p }) => ({
        route: p.route,
        start: p.start,
        events: p.events,
        searches: p.searches,
        bookings: p.bookings,
        seatsBooked: p.seatsBooked,
        cancellations: p.cancellations,
        seatsCancelled: p.seatsCancelled,
        revenueReportingMinor: p.revenueReportingMinor,
      }))
      .sort((a, b) => a.start - b.start || a.route.localeCompare(b.route));
    expect(actual.length).to.equal(expected.length);
    const sortedExpected = [...expected].sort((a, b) => a.start - b.start || a.route.localeCompare(b.route));
    for (let i = 0; i < actual.length; i++) expect(actual[i], `pane ${i}`).to.deep.equal(sortedExpected[i]);
    const inPanes = actual.reduce((n, p) => n + p.events, 0);
    expect(inPanes + late).to.equal(reference.length);
  });
});
