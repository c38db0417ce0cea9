import { expect } from "chai";
import {
  BATCH_LIMIT_STATEMENTS,
  buildBatches,
  dedupeOnKey,
  STATEMENT_LIMIT_BYTES,
  timestamp,
} from "../../../consumers/warehouse/batch-builder";
import type { DataApi, Row } from "../../../consumers/warehouse/data-api";
import { RowTooLargeError, StatementFailedError } from "../../../consumers/warehouse/errors";
import { type Timer, WarehouseLoader } from "../../../consumers/warehouse/loader";
import { literal } from "../../../consumers/warehouse/sql-literals";
import { tableSpec } from "../../../consumers/warehouse/warehouse-tables";

/** A Data API that records every batch, checks Redshift's limits, and fails when told to. */
function fakeApi(failures: unknown[] = []) {
  const batches: string[][] = [];
  const api: DataApi = {
    async batch(sqls) {
      expect(sqls.length, "statements per batch").to.be.at.most(BATCH_LIMIT_STATEMENTS);
      for (const s of sqls)
        expect(Buffer.byteLength(s), "statement bytes").to.be.below(STATEMENT_LIMIT_BYTES + 1);
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      batches.push([...sqls]);
    },
    async query() {
      return [];
    },
  };
  return { api, batches };
}

/** A Data API that holds each call until `release()`: loads under way for as long as a test needs. */
function heldApi() {
  const held: (() => void)[] = [];
  let calls = 0;
  const api: DataApi = {
    batch: () => {
      calls++;
      return new Promise<void>((r) => held.push(r));
    },
    query: async () => [],
  };
  return {
    api,
    /** Calls made so far. */
    get calls() {
      return calls;
    },
    /** Ends the oldest call not yet ended. */
    release: () => held.shift()?.(),
  };
}

/** Lets every promise settled so far run its callbacks. */
const settle = () => new Promise((r) => setImmediate(r));

const rejected = (i: number): Row => ({
  shard_id: "shardId-000000000000",
  sequence_number: String(i),
  sub_sequence: 0,
  code: "INVALID_JSON",
  reason: "not JSON",
  path: "",
  raw_base64: "e30=",
  raw_bytes: 2,
  raw_truncated: false,
  rejected_at: 0,
});

const fact = (i: number, extra: Partial<Row> = {}): Row => ({
  event_id: `bc-${i}`,
  booking_ref: "X7K2QD",
  flight: "FH101:2026-12-01",
  route: "LHR-JFK",
  cabin: "economy",
  seats: 2,
  fare_amount: 412.5,
  fare_currency: "GBP",
  channel: "web",
  occurred_at: "2026-11-22T14:05:00Z",
  shard_id: "shardId-000000000000",
  sequence_number: String(49_000_000_000 + i),
  ...extra,
});

const manualTimer = () => {
  let pending: (() => void) | undefined;
  const timer: Timer = {
    set: (fn) => {
      pending = fn;
      return 1;
    },
    clear: () => {
      pending = undefined;
    },
  };
  return {
    timer,
    fire: () => pending?.(),
    get armed() {
      return pending !== undefined;
    },
  };
};

describe("warehouse batch builder", () => {
  const spec = tableSpec("booking_facts");

  it("stays within 100 KB per statement and 40 per batch by construction, whatever the rows", () => {
    for (const size of [1, 10, 1000]) {
      const rows = Array.from({ length: 30_000 }, (_, i) =>
        fact(i, { booking_ref: "Q".repeat(size % 7), channel: "x".repeat(size) }),
      );
      const batches = buildBatches(spec, rows);
      for (const b of batches) {
        expect(b.length).to.be.at.most(40);
        for (const s of b) expect(Buffer.byteLength(s)).to.be.at.most(STATEMENT_LIMIT_BYTES);
        expect(b[0]).to.match(/^CREATE TEMP TABLE stage_booking_facts \(LIKE booking_facts\)$/);
        expect(b[b.length - 2]).to.match(
          /^MERGE INTO booking_facts USING stage_booking_facts ON booking_facts.event_id = stage_booking_facts.event_id/,
        );
        expect(b[b.length - 1]).to.equal("DROP TABLE stage_booking_facts");
      }
      const inserted = batches
        .flat()
        .filter((s) => s.startsWith("INSERT"))
        .reduce((n, s) => n + (s.match(/\('bc-/g) ?? []).length, 0);
      expect(inserted, `size ${size}`).to.equal(30_000);
    }
  });

  it("keeps one row per key, the last one", () => {
    const [batch] = buildBatches(spec, [fact(1, { seats: 1 }), fact(2), fact(1, { seats: 3 })]);
    const insert = batch?.find((s) => s.startsWith("INSERT")) ?? "";
    expect(insert.match(/\('bc-1'/g)).to.have.length(1);
    expect(insert).to.include("'bc-1', 'X7K2QD', 'FH101:2026-12-01', 'LHR-JFK', 'economy', 3,");
  });

  it("writes each row as literal() writes its values, as many rows to a statement as its bytes allow", () => {
    const texts = ["plain", "O'Brien", "a\\b", "nul\u0000x", "Zürich", "東京", "✈️🛫", "", "it's a\\b"];
    const rows = Array.from({ length: 400 }, (_, i) =>
      fact(i, {
        booking_ref: texts[i % texts.length] as string,
        channel: (texts[(i * 7) % texts.length] as string).repeat(1 + (i % 5)),
        seats: i % 3 === 0 ? null : i,
        fare_amount: i / 8,
        occurred_at: Date.UTC(2026, 10, 22, 14, 5, i % 60, i),
      }),
    );
    const limits = { maxStatementBytes: 700, maxStatements: 40 };
    const prefix = `INSERT INTO stage_booking_facts (${spec.columns.map(([c]) => c).join(", ")}) VALUES `;
    const inserts = buildBatches(spec, rows, limits)
      .flat()
      .filter((s) => s.startsWith("INSERT"));
    // The reference: every value through literal(), a tuple per row.
    const tuples = rows.map(
      (r) =>
        `(${spec.columns.map(([c, type]) => literal(type === "timestamp" ? timestamp(r[c] ?? null) : (r[c] ?? null))).join(", ")})`,
    );
    let next = 0;
    for (const [k, insert] of inserts.entries()) {
      expect(insert.startsWith(prefix)).to.equal(true);
      let expected = prefix;
      let count = 0;
      // Greedy: rows are added while the statement stays within the limit, counted in UTF-8 bytes.
      while (next < tuples.length) {
        const candidate = count === 0 ? expected + tuples[next] : `${expected},${tuples[next]}`;
        if (count > 0 && Buffer.byteLength(candidate) > limits.maxStatementBytes) break;
        expected = candidate;
        next++;
        count++;
      }
      expect(insert, `statement ${k}`).to.equal(expected);
      expect(Buffer.byteLength(insert)).to.be.at.most(limits.maxStatementBytes);
    }
    expect(next, "every row written").to.equal(rows.length);
    expect(inserts.length).to.be.greaterThan(40);
  });

  it("refuses a row no statement can carry", () => {
    expect(() => buildBatches(spec, [fact(1, { channel: "x".repeat(STATEMENT_LIMIT_BYTES) })])).to.throw(
      RowTooLargeError,
    );
  });

  it("writes literals both Redshift and Postgres read the same way", () => {
    expect(literal("O'Brien")).to.equal("'O''Brien'");
    expect(literal("a\\b")).to.equal("'a' || CHR(92) || 'b'");
    expect(literal("nul\u0000x")).to.equal("'nulx'");
    expect([literal(null), literal(true), literal(2.5)]).to.deep.equal(["NULL", "TRUE", "2.5"]);
    expect(() => literal(Number.NaN)).to.throw(RangeError);
    expect(literal("it's a\\b")).to.equal("'it''s a' || CHR(92) || 'b'");
    expect(literal("plain text, 1.5")).to.equal("'plain text, 1.5'");
  });

  it("writes every timestamp as its UTC date and time to the millisecond, whatever form it came in", () => {
    // The instant's UTC fields, by Date: what every form must come to.
    const utc = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 23);
    let state = 7;
    const random = () => {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      return state / 2_147_483_648;
    };
    for (let k = 0; k < 2_000; k++) {
      const ms = Math.floor((random() * 2 - 0.5) * 4_102_444_800_000); // 1905 to 2100
      const iso = new Date(ms).toISOString();
      expect(timestamp(iso), iso).to.equal(utc(ms));
      expect(timestamp(ms), String(ms)).to.equal(utc(ms));
    }
    expect(timestamp("2026-11-22T14:05:00.5+01:00")).to.equal("2026-11-22 13:05:00.500");
    expect(timestamp("2026-11-22T14:05:00Z")).to.equal("2026-11-22 14:05:00.000");
    expect(timestamp("0050-06-01T12:00:00.000Z")).to.equal("0050-06-01 12:00:00.000");
    expect(timestamp(null)).to.equal(null);
    expect(() => timestamp("yesterday")).to.throw(RangeError, "not a timestamp");
  });

  it("keeps the last row of each key, telling apart values JSON would not", () => {
    const spec = tableSpec("search_facts");
    const row = (eventId: string | number | null, channel: string): Row => ({ event_id: eventId, channel });
    const kept = dedupeOnKey(spec, [
      row("1", "a"),
      row(1, "b"),
      row("1", "c"),
      row(null, "d"),
      row("null", "e"),
    ]);
    expect(kept.map((r) => r["channel"])).to.deep.equal(["c", "b", "d", "e"]);
    const panes = tableSpec("route_panes");
    const pane = (route: string, start: string, events: number): Row => ({
      route,
      pane_start: start,
      events,
    });
    expect(
      dedupeOnKey(panes, [pane("A-B", "t1", 1), pane("A-B", "t2", 2), pane("A-B", "t1", 3)]).map(
        (r) => r["events"],
      ),
    ).to.deep.equal([3, 2]);
  });
});

describe("warehouse loader", () => {
  it("flushes by row count, and flush() loads everything buffered", async () => {
    const { api, batches } = fakeApi();
    const loader = new WarehouseLoader({ api, maxRows: 100, timer: manualTimer().timer });
    await loader.add(
      "booking_facts",
      Array.from({ length: 250 }, (_, i) => fact(i)),
    );
    await loader.flush();
    expect(loader.stats.rowsLoaded).to.equal(250);
    expect(loader.buffered.rows).to.equal(0);
    expect(batches.length).to.be.greaterThan(0);
  });

  it("has callers asking while a flush runs share the next one (group commit), each resolved once its rows are in", async () => {
    const warehouse = heldApi();
    const loader = new WarehouseLoader({ api: warehouse.api, timer: manualTimer().timer });
    await loader.add("booking_facts", [fact(1)]);
    const first = loader.flush();
    await settle();
    // Two shards' checkpoints while the first load runs: one flush after it, for both.
    await loader.add("booking_facts", [fact(2)]);
    const second = loader.flush();
    await loader.add("booking_facts", [fact(3)]);
    const third = loader.flush();
    warehouse.release();
    await first;
    await settle();
    expect(warehouse.calls, "one load under way, one for both callers").to.equal(2);
    // A row arriving while the shared load runs waits for a flush of its own; the callers do not.
    let resolved = 0;
    for (const caller of [second, third])
      caller.then(() => {
        if (loader.stats.rowsLoaded === 3) resolved++;
      });
    await loader.add("booking_facts", [fact(4)]);
    warehouse.release();
    await settle();
    expect(resolved, "both callers resolved, with their rows in").to.equal(2);
    expect(warehouse.calls).to.equal(2);
    expect(loader.buffered.rows).to.equal(1);
    const fourth = loader.flush();
    await settle();
    warehouse.release();
    await fourth;
    expect(loader.stats.rowsLoaded).to.equal(4);
    expect(warehouse.calls).to.equal(3);
  });

  it("loads a table that fills its batch on its own, the others at the next full flush", async () => {
    const { api, batches } = fakeApi();
    const loader = new WarehouseLoader({ api, maxRows: 100, timer: manualTimer().timer });
    const tablesOf = (batch: string[]) =>
      [...new Set(batch.filter((s) => s.startsWith("MERGE")).map((s) => s.split(" ")[2]))].sort();
    await loader.add("rejected_events", [rejected(1), rejected(2)]);
    await loader.add(
      "booking_facts",
      Array.from({ length: 100 }, (_, i) => fact(i)),
    );
    // The flush waits for the load before it, then loads what is left.
    await loader.flush();
    expect(batches.map(tablesOf)).to.deep.equal([["booking_facts"], ["rejected_events"]]);
    expect(loader.stats.rowsLoaded).to.equal(102);
    // Over the byte bound across tables instead: everything goes, in one flush (one call here).
    const probe = new WarehouseLoader({ api, timer: manualTimer().timer });
    await probe.add("rejected_events", [rejected(3)]);
    const bytes = new WarehouseLoader({
      api,
      maxBytes: probe.buffered.bytes + 1,
      timer: manualTimer().timer,
    });
    batches.length = 0;
    await bytes.add("rejected_events", [rejected(3)]);
    expect(batches, "under the bound: nothing loaded yet").to.have.length(0);
    await bytes.add("booking_facts", [fact(200)]);
    await bytes.flush();
    expect(batches.map(tablesOf)).to.deep.equal([["booking_facts", "rejected_events"]]);
  });

  it("lets a full flush not yet started cover a table that fills its batch meanwhile", async () => {
    const warehouse = heldApi();
    const loader = new WarehouseLoader({ api: warehouse.api, maxRows: 100, timer: manualTimer().timer });
    await loader.add("rejected_events", [rejected(1)]);
    const first = loader.flush();
    await settle();
    await loader.add("rejected_events", [rejected(2)]);
    const checkpoint = loader.flush();
    // booking_facts fills its batch while the checkpoint's flush waits: that flush will take it.
    await loader.add(
      "booking_facts",
      Array.from({ length: 100 }, (_, i) => fact(i)),
    );
    warehouse.release();
    await first;
    await settle();
    // A row arriving while the checkpoint's load runs waits: no load of its own behind it.
    await loader.add("booking_facts", [fact(500)]);
    warehouse.release();
    await checkpoint;
    await settle();
    expect(warehouse.calls, "the first load and the checkpoint's").to.equal(2);
    expect(loader.stats.rowsLoaded).to.equal(102);
    expect(loader.buffered.rows).to.equal(1);
  });

  it("loads small tables together in one call, and a big one across as many as the 40-statement limit needs", async () => {
    const { api, batches } = fakeApi();
    const loader = new WarehouseLoader({ api, timer: manualTimer().timer });
    await loader.add("booking_facts", [fact(1), fact(2)]);
    await loader.add("rejected_events", [rejected(1)]);
    await loader.flush();
    // Two tables of one INSERT each: CREATE, INSERT, MERGE, DROP twice, in one transaction.
    expect(batches).to.have.length(1);
    expect(batches[0]?.map((s) => s.split(" ").slice(0, 3).join(" "))).to.deep.equal([
      "CREATE TEMP TABLE",
      "INSERT INTO stage_booking_facts",
      "MERGE INTO booking_facts",
      "DROP TABLE stage_booking_facts",
      "CREATE TEMP TABLE",
      "INSERT INTO stage_rejected_events",
      "MERGE INTO rejected_events",
      "DROP TABLE stage_rejected_events",
    ]);
    expect(loader.stats.rowsLoaded).to.equal(3);
    // A table needing more than one batch (tiny statements here) with a small one after it.
    const limits = { maxStatementBytes: 1000, maxStatements: 10 };
    const small = new WarehouseLoader({ api, timer: manualTimer().timer, limits });
    const facts = Array.from({ length: 40 }, (_, i) => fact(100 + i));
    batches.length = 0;
    await small.add("booking_facts", facts);
    await small.add("rejected_events", [rejected(2)]);
    await small.flush();
    const units = [
      ...buildBatches(tableSpec("booking_facts"), facts, limits),
      ...buildBatches(tableSpec("rejected_events"), [rejected(2)], limits),
    ];
    expect(units.length).to.be.above(2);
    // The same statements in the same order, whole tables' batches per call (fakeApi checks the limit),
    // in fewer calls than batches.
    expect(batches.flat()).to.deep.equal(units.flat());
    for (const call of batches) {
      expect(call[0]).to.match(/^CREATE TEMP TABLE/);
      expect(call.at(-1)).to.match(/^DROP TABLE/);
    }
    expect(batches.length).to.be.below(units.length);
    expect(small.stats.rowsLoaded).to.equal(41);
  });

  it("puts back every table of a shared call that failed, and loads them all on the next flush", async () => {
    const { api, batches } = fakeApi([new StatementFailedError("id-1", "ERROR: disk full")]);
    const loader = new WarehouseLoader({ api, timer: manualTimer().timer });
    await loader.add("booking_facts", [fact(1), fact(2)]);
    await loader.add("rejected_events", [rejected(1)]);
    expect(await loader.flush().catch((e: unknown) => e)).to.be.instanceOf(StatementFailedError);
    expect(loader.buffered.rows).to.equal(3);
    expect(loader.stats.rowsLoaded).to.equal(0);
    await loader.flush();
    expect(loader.buffered.rows).to.equal(0);
    expect(loader.stats.rowsLoaded).to.equal(3);
    expect(batches).to.have.length(1);
    expect(batches[0]?.filter((sql) => sql.startsWith("MERGE"))).to.have.length(2);
  });

  it("flushes rows older than maxAgeMs (timer injected)", async () => {
    const { api, batches } = fakeApi();
    const t = manualTimer();
    const loader = new WarehouseLoader({ api, maxAgeMs: 5000, timer: t.timer });
    await loader.add("alerts", [
      {
        alert_id: "a1",
        alert_type: "demand_surge",
        severity: "warning",
        route: "LHR-JFK",
        flight: null,
        window_start: 0,
        window_end: 60_000,
        figures: "{}",
        summary: "s",
      },
    ]);
    expect(t.armed).to.equal(true);
    expect(batches).to.have.length(0);
    t.fire();
    await loader.flush();
    expect(batches).to.have.length(1);
  });

  it("retries retryable failures with backoff, then loads", async () => {
    const throttled = Object.assign(new Error("slow down"), { name: "ThrottlingException" });
    const { api, batches } = fakeApi([throttled, throttled]);
    const sleeps: number[] = [];
    const loader = new WarehouseLoader({
      api,
      timer: manualTimer().timer,
      random: () => 0.5,
      sleep: async (ms) => void sleeps.push(ms),
    });
    await loader.add("booking_facts", [fact(1)]);
    await loader.flush();
    expect(batches).to.have.length(1);
    expect(loader.stats.retries).to.equal(2);
    expect(sleeps).to.deep.equal([100, 200]);
  });

  it("surfaces a non-retryable failure and keeps the rows for the next flush", async () => {
    const { api, batches } = fakeApi([new StatementFailedError("id-1", "ERROR: permission denied")]);
    const loader = new WarehouseLoader({ api, timer: manualTimer().timer });
    await loader.add("booking_facts", [fact(1), fact(2)]);
    const err = await loader.flush().catch((e: unknown) => e);
    expect(err).to.be.instanceOf(StatementFailedError);
    expect(loader.buffered.rows).to.equal(2);
    await loader.flush();
    expect(loader.buffered.rows).to.equal(0);
    expect(batches).to.have.length(1);
  });

  it("keeps every row buffered when one of them fits in no statement", async () => {
    const { api, batches } = fakeApi();
    const loader = new WarehouseLoader({
      api,
      timer: manualTimer().timer,
      limits: { maxStatementBytes: 1000, maxStatements: 10 },
    });
    await loader.add("rejected_events", [rejected(1)]);
    await loader.add("booking_facts", [fact(1, { booking_ref: "X".repeat(2000) })]);
    expect(await loader.flush().catch((e: unknown) => e)).to.be.instanceOf(RowTooLargeError);
    expect(loader.buffered.rows).to.equal(2);
    expect(batches).to.have.length(0);
  });

  it("makes add() wait while the buffer is over its bound (backpressure)", async () => {
    let release: () => void = () => {};
    let calls = 0;
    const api: DataApi = {
      batch: () => {
        calls++;
        return new Promise<void>((r) => {
          release = r;
        });
      },
      query: async () => [],
    };
    const loader = new WarehouseLoader({
      api,
      maxRows: 10,
      maxBufferedBytes: 2000,
      timer: manualTimer().timer,
    });
    let accepted = false;
    const adding = loader
      .add(
        "booking_facts",
        Array.from({ length: 20 }, (_, i) => fact(i)),
      )
      .then(() => {
        accepted = true;
      });
    await new Promise((r) => setImmediate(r));
    expect(calls).to.equal(1);
    expect(accepted, "add() returned while the warehouse was stuck").to.equal(false);
    release();
    await adding;
    expect(accepted).to.equal(true);
  });

  it("refuses rows for unknown tables", async () => {
    const loader = new WarehouseLoader({ api: fakeApi().api, timer: manualTimer().timer });
    const err = await loader.add("bookings", [fact(1)]).catch((e: Error) => e);
    expect((err as Error).message).to.equal("unknown warehouse table bookings");
  });
});
