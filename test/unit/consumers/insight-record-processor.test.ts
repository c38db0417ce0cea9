// The insight consumer: each demand-insights record becomes one row of its warehouse table, a record the
// insight contract refuses becomes a rejected_events row with the reason, and the checkpoint comes only
// after the warehouse has the batch.
import { expect } from "chai";
import { decodeInsight } from "../../../analytics/insights";
import type { UserRecord } from "../../../consumers/kcl/retrieval/kpl-aggregation";
import { silentLogger } from "../../../consumers/observability/logger";
import { InsightRecordProcessor } from "../../../consumers/processor/insight-record-processor";
import type { Row } from "../../../consumers/warehouse/data-api";

const AIRPORT = {
  type: "insight.airport-demand",
  version: 1,
  windowStart: "2026-11-23T10:00:00Z",
  windowEnd: "2026-11-23T10:05:00Z",
  airport: "LHR",
  direction: "departing",
  searches: 4,
  bookings: 1,
  seats: 2,
  lookToBook: 0.25,
};
const TOP = {
  type: "insight.top-route",
  version: 1,
  windowStart: "2026-11-23T09:46:00Z",
  windowEnd: "2026-11-23T10:01:00Z",
  rank: 1,
  route: "LHR-JFK",
  origin: "LHR",
  destination: "JFK",
  seats: 9,
  bookings: 3,
};

const record = (data: string, seq: number): UserRecord => ({
  data: Buffer.from(data),
  partitionKey: "k",
  sequenceNumber: String(seq),
  subSequenceNumber: 0,
  aggregated: false,
});

function harness() {
  const events: string[] = [];
  const rows = new Map<string, Row[]>();
  const processor = new InsightRecordProcessor({
    warehouse: {
      add: async (table, r) => {
        events.push(`add ${table}`);
        rows.set(table, [...(rows.get(table) ?? []), ...r]);
      },
      flush: async () => {
        events.push("flush");
      },
    },
    log: silentLogger,
    now: () => Date.parse("2026-11-23T10:06:00Z"),
  });
  const checkpointer = {
    checkpoint: async () => {
      events.push("checkpoint");
      return true;
    },
  };
  return { processor, events, rows, checkpointer };
}

describe("insight record processor", () => {
  it("loads each insight into its table and checkpoints only after the warehouse flush", async () => {
    // Prepare
    const h = harness();
    await h.processor.initialize({
      shardId: "shardId-000000000000",
      startingPosition: { sequenceNumber: "TRIM_HORIZON", subSequenceNumber: 0 },
    });
    // Act
    await h.processor.processRecords({
      records: [record(JSON.stringify(AIRPORT), 1), record(JSON.stringify(TOP), 2)],
      checkpointer: h.checkpointer,
    });
    // Assess
    expect(h.rows.get("airport_demand_insights")).to.deep.equal([
      {
        window_start: "2026-11-23T10:00:00.000Z",
        window_end: "2026-11-23T10:05:00.000Z",
        airport: "LHR",
        direction: "departing",
        searches: 4,
        bookings: 1,
        seats: 2,
        look_to_book: 0.25,
      },
    ]);
    expect(h.rows.get("top_route_insights")?.[0]).to.include({ rank: 1, route: "LHR-JFK", seats: 9 });
    expect(h.events.at(-2)).to.equal("flush");
    expect(h.events.at(-1)).to.equal("checkpoint");
  });

  it("sends a record the insight contract refuses to rejected_events, keyed apart from booking shards", async () => {
    const h = harness();
    await h.processor.initialize({
      shardId: "shardId-000000000001",
      startingPosition: { sequenceNumber: "TRIM_HORIZON", subSequenceNumber: 0 },
    });
    await h.processor.processRecords({
      records: [record(JSON.stringify({ ...AIRPORT, airport: "lhr" }), 7), record("{not json", 8)],
      checkpointer: h.checkpointer,
    });
    const rejected = h.rows.get("rejected_events") ?? [];
    expect(rejected.map((r) => [r["shard_id"], r["sequence_number"], r["code"]])).to.deep.equal([
      ["demand-insights:shardId-000000000001", "7", "invalid_field"],
      ["demand-insights:shardId-000000000001", "8", "invalid_json"],
    ]);
    expect(String(rejected[0]?.["reason"])).to.match(/^\/airport: /);
    expect(h.rows.has("airport_demand_insights")).to.equal(false);
  });

  it("decodes what the contract allows and names what it refuses", () => {
    expect(decodeInsight(JSON.stringify({ ...AIRPORT, lookToBook: null })).ok).to.equal(true);
    const cases: [unknown, RegExp][] = [
      [{ ...AIRPORT, type: "insight.weather" }, /^\/type: unknown insight type "insight.weather"/],
      [{ ...AIRPORT, extra: 1 }, /^\/extra: /],
      [{ ...TOP, rank: 11 }, /^\/rank: /],
      [{ ...AIRPORT, windowStart: "2026-11-23T10:00:00+01:00" }, /^\/windowStart: /],
      [[AIRPORT], /not a JSON object/],
    ];
    for (const [value, reason] of cases) {
      const d = decodeInsight(JSON.stringify(value));
      expect(d.ok, JSON.stringify(value)).to.equal(false);
      if (!d.ok) expect(d.reason).to.match(reason);
    }
  });
});
