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
