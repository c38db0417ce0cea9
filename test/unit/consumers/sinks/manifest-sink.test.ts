import { expect } from "chai";
import fc from "fast-check";
import { sampleEvents } from "../../../../analytics/events";
import {
  applyToManifest,
  bookingStatus,
  figuresOf,
  type ManifestEvent,
} from "../../../../consumers/sinks/manifests/flight-manifest";
import { type ManifestInput, ManifestSink } from "../../../../consumers/sinks/manifests/manifest-sink";
import {
  fromItem,
  InMemoryManifestStore,
  type ManifestStore,
  type StoredManifest,
  toItem,
} from "../../../../consumers/sinks/manifests/manifest-store";
import { sortableSequence } from "../../../../consumers/sinks/rejected/rejected-record";

const schedule = sampleEvents.flightScheduled({ eventId: "fs-1", capacity: 10 });
const book = (ref: string, seats: number, id = `b-${ref}`, flightNumber = "FH101") =>
  sampleEvents.bookingCreated({ eventId: id, bookingRef: ref, seats, flightNumber });
const cancel = (ref: string, seats: number, id = `c-${ref}`) =>
  sampleEvents.bookingCancelled({ eventId: id, bookingRef: ref, seats });
const inputs = (events: ManifestEvent[], shardId = "shardId-000000000000", from = 1): ManifestInput[] =>
  events.map((event, i) => ({ event, shardId, sequenceNumber: String(from + i) }));

describe("flight manifest fold", () => {
  it("counts seats, capacity, load factor and an oversold flight without rejecting anything", () => {
    const m = applyToManifest(undefined, [
      schedule,
      book("AAAAAA", 4),
      book("BBBBBB", 5),
      book("CCCCCC", 3),
      cancel("BBBBBB", 2),
    ]);
    expect(figuresOf(m)).to.deep.equal({
      capacity: 10,
      seatsBooked: 10,
      seatsAvailable: 0,
      loadFactor: 1,
      oversold: false,
      oversoldBy: 0,
      confirmedBookings: 3,
    });
    const over = applyToManifest(m, [book("DDDDDD", 2)]);
    expect(figuresOf(over)).to.include({ oversold: true, oversoldBy: 2, seatsBooked: 12 });
    expect(bookingStatus(over.bookings["BBBBBB"]!)).to.equal("partially_cancelled");
  });

  it("keeps bookings for flights not scheduled yet, and settles a cancellation that overtook its booking", () => {
    const m = applyToManifest(undefined, [cancel("AAAAAA", 2), book("BBBBBB", 1)]);
    expect(figuresOf(m)).to.deep.equal({
      seatsBooked: 1,
      oversold: false,
      oversoldBy: 0,
      confirmedBookings: 1,
    });
    expect(bookingStatus(m.bookings["AAAAAA"]!)).to.equal("cancellation_pending");
    const settled = applyToManifest(m, [book("AAAAAA", 2), schedule]);
    expect(bookingStatus(settled.bookings["AAAAAA"]!)).to.equal("cancelled");
    expect(figuresOf(settled)).to.include({ capacity: 10, seatsBooked: 1 });
  });

  it("returns the same manifest when a batch holds only duplicates", () => {
    const m = applyToManifest(undefined, [schedule, book("AAAAAA", 2)]);
    expect(applyToManifest(m, [book("AAAAAA", 2), schedule])).to.equal(m);
  });

  it("gives the same manifest for any order, duplication and batching of the same events", () => {
    const events: ManifestEvent[] = [
      schedule,
      sampleEvents.flightScheduled({ eventId: "fs-2", capacity: 12, occurredAt: "2026-11-02T08:00:00Z" }),
      book("AAAAAA", 3),
      book("BBBBBB", 2),
      book("CCCCCC", 9),
      cancel("AAAAAA", 1, "c1"),
      cancel("AAAAAA", 2, "c2"),
      cancel("DDDDDD", 1),
      book("DDDDDD", 1),
    ];
    const expected = applyToManifest(undefined, events);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(events, { minLength: events.length }),
        fc.array(fc.nat(events.length - 1), { maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 10 }),
        (ordered, dupIdx, cuts) => {
          const stream = [...ordered, ...dupIdx.map((i) => events[i] as ManifestEvent)];
          let m: ReturnType<typeof applyToManifest> | undefined;
          for (let at = 0, c = 0; at < stream.length; c++) {
            const size = cuts[c % cuts.length] as number;
            m = applyToManifest(m, stream.slice(at, at + size));
            at += size;
          }
          expect(m).to.deep.equal(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** The same store, able to read only one flight at a time (the sink then reads each on its own). */
const oneAtATime = (store: InMemoryManifestStore): ManifestStore => ({
  get: (flight) => store.get(flight),
  put: (next, expected) => store.put(next, expected),
});

describe("manifest sink", () => {
  it("writes each touched flight once per batch, whatever the number of events", async () => {
    const store = new InMemoryManifestStore();
    const sink = new ManifestSink({ store });
    const other = sampleEvents.bookingCreated({ eventId: "o1", flightNumber: "FH202", bookingRef: "ZZZZZZ" });
    const batch = inputs([
      schedule,
      ...Array.from({ length: 50 }, (_, i) => book(`R${String(i).padStart(5, "0")}`, 1)),
      other,
    ]);
    const changes = await sink.apply(batch);
    expect(store.writes).to.equal(2);
    expect(changes.map((c) => c.flight)).to.deep.equal(["FH101:2026-12-01", "FH202:2026-12-01"]);
    expect(changes[0]?.after).to.include({ seatsBooked: 50, oversold: true, oversoldBy: 40 });
  });

  it("skips a replayed batch without writing, and never double-counts a partial replay", async () => {
    const store = new InMemoryManifestStore();
    const sink = new ManifestSink({ store });
    const first = inputs([schedule, book("AAAAAA", 2), book("BBBBBB", 3)]);
    await sink.apply(first);
    const writes = store.writes;
    expect(await sink.apply(first)).to.deep.equal([]);
    expect(store.writes).to.equal(writes);
    // A fresh worker (empty cache) replays from an older checkpoint, cut differently, plus new records.
    const fresh = new ManifestSink({ store });
    await fresh.apply([...first.slice(1), ...inputs([book("CCCCCC", 1)], "shardId-000000000000", 4)]);
    expect(figuresOf((await store.get("FH101:2026-12-01"))!.manifest).seatsBooked).to.equal(6);
  });

  it("re-reads and re-applies when another writer won the race", async () => {
    const store = new InMemoryManifestStore();
    const a = new ManifestSink({ store });
    const b = new ManifestSink({ store });
    await a.apply(inputs([schedule, book("AAAAAA", 2)]));
    await b.apply(inputs([book("BBBBBB", 3)], "shardId-000000000000", 10));
    // a's cache is stale now: its write loses, re-reads and keeps b's booking.
    await a.apply(inputs([book("CCCCCC", 1)], "shardId-000000000000", 11));
    const m = (await store.get("FH101:2026-12-01"))!.manifest;
    expect(Object.keys(m.bookings).sort()).to.deep.equal(["AAAAAA", "BBBBBB", "CCCCCC"]);
    expect(figuresOf(m).seatsBooked).to.equal(6);
  });

  it("reads a batch's uncached flights in one request, to the same manifests as a read per flight", async () => {
    const flight = (n: number) => `FH${300 + n}`;
    const setUp = async (store: InMemoryManifestStore) => {
      // Flights 0 and 1 exist already (written by an earlier owner); 2 and 3 are new.
      await new ManifestSink({ store }).apply(
        inputs([0, 1].map((n) => book("AAAAAA", 1, `old-${n}`, flight(n)))),
      );
      return store;
    };
    const batch = inputs(
      [0, 1, 2, 3].flatMap((n) => [
        book("BBBBBB", 2, `new-${n}`, flight(n)),
        book("CCCCCC", 1, `c-${n}`, flight(n)),
      ]),
      "shardId-000000000000",
      10,
    );
    const batched = await setUp(new InMemoryManifestStore());
    const single = await setUp(new InMemoryManifestStore());
    batched.reads = 0;
    single.reads = 0;
    const a = await new ManifestSink({ store: batched }).apply(batch);
    const b = await new ManifestSink({ store: oneAtATime(single) }).apply(batch);
    expect(batched.reads, "one read for the four uncached flights").to.equal(1);
    expect(single.reads).to.equal(4);
    expect(a).to.deep.equal(b);
    expect(a.map((c) => [c.flight, c.before?.seatsBooked, c.after.seatsBooked])).to.deep.equal([
      ["FH300:2026-12-01", 1, 4],
      ["FH301:2026-12-01", 1, 4],
      ["FH302:2026-12-01", undefined, 3],
      ["FH303:2026-12-01", undefined, 3],
    ]);
  });

  it("round-trips a manifest through its DynamoDB item, with readable figures", () => {
    const manifest = applyToManifest(undefined, [schedule, book("AAAAAA", 4), cancel("AAAAAA", 1)]);
    const stored: StoredManifest = {
      manifest,
      version: 3,
      applied: { "shardId-000000000000": "0042#000000" },
    };
    const item = toItem(stored, Date.UTC(2026, 10, 22));
    expect(item["pk"]).to.deep.equal({ S: "FLIGHT#FH101:2026-12-01" });
    expect(item["loadFactor"]).to.deep.equal({ N: "0.3" });
    expect(item["bookings"]?.M?.["AAAAAA"]?.M?.["status"]).to.deep.equal({ S: "partially_cancelled" });
    expect(fromItem(item)).to.deep.equal(stored);
  });
});

describe("manifest item", () => {
  it("writes an unchanged booking as before and a changed one as it is now", () => {
    const before = applyToManifest(undefined, [schedule, book("AAAAAA", 4), book("BBBBBB", 1)]);
    const after = applyToManifest(before, [cancel("AAAAAA", 1)]);
    const item = (manifest: typeof before) =>
      toItem({ manifest, version: 1, applied: {} }, 0)["bookings"]?.M as Record<string, unknown>;
    const [b, a] = [item(before), item(after)];
    expect(a["BBBBBB"], "an untouched line's attribute is reused").to.equal(b["BBBBBB"]);
    expect(fromItem(toItem({ manifest: after, version: 1, applied: {} }, 0)).manifest).to.deep.equal(after);
    expect((a["AAAAAA"] as { M: Record<string, unknown> }).M["seats"]).to.deep.equal({ N: "3" });
    expect((b["AAAAAA"] as { M: Record<string, unknown> }).M["seats"]).to.deep.equal({ N: "4" });
  });
});

/** A store whose writes wait for `open()`, or fail while `failing` is set. */
class GatedStore extends InMemoryManifestStore {
  failing = false;
  private gate: Promise<void> | undefined;
  private release = () => {};
  hold(): void {
    this.gate = new Promise((r) => {
      this.release = r;
    });
  }
  open(): void {
    this.gate = undefined;
    this.release();
  }
  override async put(next: StoredManifest, expectedVersion: number | undefined): Promise<boolean> {
    if (this.failing) throw Object.assign(new Error("store unavailable"), { retryable: true });
    const gate = this.gate;
    if (gate !== undefined) await gate;
    return super.put(next, expectedVersion);
  }
}

const seatsIn = async (store: ManifestStore, flight = "FH101:2026-12-01") =>
  figuresOf((await store.get(flight))!.manifest).seatsBooked;

describe("manifest sink, writing at flush", () => {
  it("holds the batches' changes and writes each changed flight once per flush", async () => {
    const store = new InMemoryManifestStore();
    const sink = new ManifestSink({ store, writeAt: "flush" });
    const first = await sink.apply(inputs([schedule, book("AAAAAA", 2)]));
    const second = await sink.apply(
      inputs([book("BBBBBB", 3), book("ZZZZZZ", 1, "z", "FH202")], undefined, 3),
    );
    expect(store.writes, "nothing written before the flush").to.equal(0);
    expect(store.items.size).to.equal(0);
    // The changes are the fold's, as if written: the flight rules judge them at once.
    expect(first.map((c) => [c.flight, c.before?.seatsBooked, c.after.seatsBooked])).to.deep.equal([
      ["FH101:2026-12-01", undefined, 2],
    ]);
    expect(second.map((c) => [c.flight, c.before?.seatsBooked, c.after.seatsBooked])).to.deep.equal([
      ["FH101:2026-12-01", 2, 5],
      ["FH202:2026-12-01", undefined, 1],
    ]);
    expect(sink.unwrittenFlights).to.equal(2);
    await sink.flush();
    expect(store.writes, "one write per changed flight").to.equal(2);
    expect(await seatsIn(store)).to.equal(5);
    expect(await seatsIn(store, "FH202:2026-12-01")).to.equal(1);
    expect(sink.unwrittenFlights).to.equal(0);
    await sink.flush();
    expect(store.writes, "a flush with nothing changed writes nothing").to.equal(2);
  });

  it("flushes for a shard the flights its events changed, leaving another shard's to its own flush", async () => {
    const [a, b] = ["shardId-000000000000", "shardId-000000000001"];
    const store = new InMemoryManifestStore();
    const sink = new ManifestSink({ store, writeAt: "flush" });
    await sink.apply(inputs([schedule, book("AAAAAA", 2)], a));
    await sink.apply(inputs([book("ZZZZZZ", 1, "z", "FH202")], b));
    await sink.flush(a);
    expect(store.writes, "only shard a's flight").to.equal(1);
    expect(await seatsIn(store)).to.equal(2);
    expect(await store.get("FH202:2026-12-01")).to.equal(undefined);
    expect(sink.unwrittenFlights).to.equal(1);
    // A flight holding both shards' events (a reshard moved its route) goes at either one's flush, whole.
    await sink.apply(inputs([book("YYYYYY", 2, "y", "FH202")], a, 3));
    await sink.flush(a);
    expect(await seatsIn(store, "FH202:2026-12-01")).to.equal(3);
    expect(sink.unwrittenFlights).to.equal(0);
    await sink.flush(b);
    expect(store.writes, "shard b's event went with shard a's flush").to.equal(2);
  });

  it("a shard's flush waits for a write under way that holds its events", async () => {
    const store = new GatedStore();
    const sink = new ManifestSink({ store, writeAt: "flush" });
    await sink.apply(inputs([schedule, book("AAAAAA", 2)], "shardId-000000000000"));
    store.hold();
    const everything = sink.flush();
    let done = false;
    const mine = sink.flush("shardId-000000000000").then(() => {
      done = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(done, "resolved before its events were written").to.equal(false);
    store.open();
    await Promise.all([everything, mine]);
    expect(await seatsIn(store)).to.equal(2);
    expect(store.writes, "written once").to.equal(1);
  });

  it("writes the same manifests as writing every batch, for any batching of the same events", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom("AAAAAA", "BBBBBB", "CCCCCC"),
            fc.integer({ min: 1, max: 4 }),
            fc.boolean(),
          ),
          {
            minLength: 1,
            maxLength: 30,
          },
        ),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }),
        async (ops, sizes, flushes) => {
          const events: ManifestEvent[] = [
            schedule,
            ...ops.map(([ref, seats, cancelled], i) =>
              cancelled ? cancel(ref, seats, `c-${i}`) : book(ref, seats, `b-${i}`),
            ),
          ];
          const all = inputs(events);
          const perBatch = new InMemoryManifestStore();
          const atFlush = new InMemoryManifestStore();
          const a = new ManifestSink({ store: perBatch });
          const b = new ManifestSink({ store: atFlush, writeAt: "flush" });
          for (let i = 0, k = 0; i < all.length; k++) {
            const batch = all.slice(i, i + (sizes[k % sizes.length] as number));
            i += batch.length;
            const [x, y] = [await a.apply(batch), await b.apply(batch)];
            expect(y.map((c) => c.after)).to.deep.equal(x.map((c) => c.after));
            if (flushes[k % flushes.length]) await b.flush();
          }
          await b.flush();
          const [p, q] = [
            await perBatch.get(schedule.flightNumber + ":2026-12-01"),
            await atFlush.get("FH101:2026-12-01"),
          ];
          expect(q?.manifest).to.deep.equal(p?.manifest);
          expect(q?.applied).to.deep.equal(p?.applied);
          expect(atFlush.writes).to.be.at.most(perBatch.writes);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("after a lost race re-reads and re-applies every event not yet written, counting none twice", async () => {
    const store = new InMemoryManifestStore();
    const a = new ManifestSink({ store, writeAt: "flush" });
    await a.apply(inputs([schedule, book("AAAAAA", 2)]));
    await a.flush();
    await a.apply(inputs([book("CCCCCC", 1)], undefined, 3));
    await a.apply(inputs([book("DDDDDD", 4), book("AAAAAA", 2)], undefined, 4));
    // Meanwhile another owner of the shard writes the flight (with one of a's events among its own).
    await new ManifestSink({ store }).apply(inputs([book("BBBBBB", 3), book("CCCCCC", 1)], undefined, 3));
    await a.flush();
    const m = (await store.get("FH101:2026-12-01"))!;
    expect(Object.keys(m.manifest.bookings).sort()).to.deep.equal(["AAAAAA", "BBBBBB", "CCCCCC", "DDDDDD"]);
    expect(figuresOf(m.manifest).seatsBooked).to.equal(10);
    expect(m.version).to.equal(3);
    expect(m.applied, "a's last record, the highest applied").to.deep.equal({
      "shardId-000000000000": sortableSequence("5"),
    });
  });

  it("keeps what a batch changes while a write is out, and writes it at the next flush", async () => {
    const store = new GatedStore();
    const sink = new ManifestSink({ store, writeAt: "flush" });
    await sink.apply(inputs([schedule, book("AAAAAA", 2)]));
    store.hold();
    const flushing = sink.flush();
    await sink.apply(inputs([book("BBBBBB", 3)], undefined, 3));
    store.open();
    await flushing;
    expect(await seatsIn(store), "the flush wrote what it was called for").to.equal(2);
    expect(sink.unwrittenFlights).to.equal(1);
    // Another writer first: the next flush loses its race and must still hold BBBBBB to re-apply.
    await new ManifestSink({ store }).apply(inputs([book("CCCCCC", 1)], "shardId-000000000001"));
    await sink.flush();
    const m = (await store.get("FH101:2026-12-01"))!.manifest;
    expect(Object.keys(m.bookings).sort()).to.deep.equal(["AAAAAA", "BBBBBB", "CCCCCC"]);
    expect(figuresOf(m).seatsBooked).to.equal(6);
  });

  it("keeps everything after a failed flush and writes it at the next one", async () => {
    const store = new GatedStore();
    const sink = new ManifestSink({ store, writeAt: "flush" });
    await sink.apply(inputs([schedule, book("AAAAAA", 2), book("ZZZZZZ", 1, "z", "FH202")]));
    store.failing = true;
    let failure: unknown;
    await sink.flush().catch((e: unknown) => {
      failure = e;
    });
    expect((failure as Error | undefined)?.message).to.equal("store unavailable");
    expect(sink.unwrittenFlights).to.equal(2);
    store.failing = false;
    await sink.flush();
    expect(await seatsIn(store)).to.equal(2);
    expect(await seatsIn(store, "FH202:2026-12-01")).to.equal(1);
  });

  it("keeps flights not yet written across a lease loss, and re-reads the ones written", async () => {
    const store = new InMemoryManifestStore();
    const sink = new ManifestSink({ store, writeAt: "flush" });
    await sink.apply(inputs([schedule, book("AAAAAA", 2)]));
    await sink.flush();
    await sink.apply(inputs([book("ZZZZZZ", 1, "z", "FH202")], undefined, 3));
    sink.invalidate();
    expect(sink.unwrittenFlights, "an unwritten flight survives invalidate").to.equal(1);
    await sink.flush();
    expect(await seatsIn(store, "FH202:2026-12-01")).to.equal(1);
    store.reads = 0;
    await sink.apply(inputs([book("BBBBBB", 3)], undefined, 4));
    expect(store.reads, "the written flight was forgotten and is read again").to.equal(1);
  });

  it("flushes by itself once too many events are held", async () => {
    const store = new InMemoryManifestStore();
    const sink = new ManifestSink({ store, writeAt: "flush", maxUnwrittenEvents: 3 });
    await sink.apply(inputs([schedule, book("AAAAAA", 2)]));
    expect(store.writes).to.equal(0);
    await sink.apply(inputs([book("BBBBBB", 3), book("CCCCCC", 1)], undefined, 3));
    expect(store.writes).to.equal(1);
    expect(await seatsIn(store)).to.equal(6);
    expect(sink.unwrittenFlights).to.equal(0);
  });
});

describe("manifest sink, writing every batch", () => {
  it("writes a retried batch whose first write failed, although its events are already applied", async () => {
    const store = new GatedStore();
    const sink = new ManifestSink({ store });
    const batch = inputs([schedule, book("AAAAAA", 2)]);
    store.failing = true;
    let failed = false;
    await sink.apply(batch).catch(() => {
      failed = true;
    });
    expect(failed).to.equal(true);
    store.failing = false;
    await sink.apply(batch);
    expect(await seatsIn(store)).to.equal(2);
  });
});
