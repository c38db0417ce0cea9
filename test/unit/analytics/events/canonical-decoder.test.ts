// The decoder's one-pass path must accept exactly what the full decoder accepts, with the same event (key
// order included) and event time, and must defer everything else. Differential: generated events of every
// type, valid and invalid field by field, in the contract's key order or shuffled, then mutated byte by byte.
import { expect } from "chai";
import fc from "fast-check";
import { decodeCanonical } from "../../../../analytics/events/canonical-decoder";
import { decodeInFull, decodeRecord } from "../../../../analytics/events/decoder";
import { dayOfTraffic } from "../../../fixtures/demand-traffic";

const RUNS = Number(process.env["FUZZ_RUNS"] ?? 5_000);
const chars = (s: string) => fc.constantFrom(...s.split(""));
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS = "0123456789";
const text = (alphabet: string, minLength: number, maxLength: number) =>
  fc.string({ unit: chars(alphabet), minLength, maxLength });
const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** Mostly valid values, with the invalid ones a producer bug would write now and then. */
const sometimes = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) =>
  fc.oneof({ arbitrary: valid, weight: 30 }, { arbitrary: invalid, weight: 1 });

const calendarDate = (month: fc.Arbitrary<number>, day: fc.Arbitrary<number>) =>
  fc
    .tuple(fc.integer({ min: 1999, max: 2101 }), month, day)
    .map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`);
/** Real dates mostly (29 February of any year included), now and then month 0 or 13, day 0, 31 or 32. */
const date = sometimes(
  calendarDate(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 29 })),
  calendarDate(fc.integer({ min: 0, max: 13 }), fc.constantFrom(0, 30, 31, 32)),
);
const timestamp = fc
  .record({
    date,
    hour: sometimes(fc.integer({ min: 0, max: 23 }), fc.constantFrom(24, 25)),
    minute: sometimes(fc.integer({ min: 0, max: 59 }), fc.constant(60)),
    seconds: fc.option(sometimes(fc.integer({ min: 0, max: 59 }), fc.constant(60))),
    fraction: fc.option(sometimes(text(DIGITS, 1, 9), text(DIGITS, 10, 10))),
    offset: sometimes(
      fc.oneof(
        fc.constant("Z"),
        fc
          .tuple(fc.constantFrom("+", "-"), fc.integer({ min: 0, max: 18 }), fc.integer({ min: 0, max: 59 }))
          .map(([s, h, m]) => `${s}${pad(h, 2)}:${pad(m, 2)}`),
      ),
      fc.constantFrom("", "z", "+0100", "UTC", "+19:00", "-01:60"),
    ),
  })
  .map(
    (t) =>
      `${t.date}T${pad(t.hour, 2)}:${pad(t.minute, 2)}${
        t.seconds === null ? "" : `:${pad(t.seconds, 2)}${t.fraction === null ? "" : `.${t.fraction}`}`
      }${t.offset}`,
  );
const airport = sometimes(text(UPPER, 3, 3), fc.oneof(text(`${UPPER}a1`, 2, 4), fc.constant(7)));
const eventId = sometimes(
  text(`${UPPER}abcxyz${DIGITS}`, 1, 1).chain((first) =>
    text(`${UPPER}abz${DIGITS}._:-`, 0, 130).map((rest) => first + rest),
  ),
  fc.oneof(fc.constantFrom("", "-lead", "has space", "ü-id", 'quo"te', "back\\slash"), fc.integer()),
);
const flightNumber = sometimes(
  fc
    .tuple(text(`${UPPER}${DIGITS}`, 2, 2), text(DIGITS, 1, 4), text(UPPER, 0, 1))
    .map(([a, b, c]) => a + b + c),
  fc.oneof(text(`${UPPER}${DIGITS}`, 0, 9), fc.constantFrom("fh123", "FH12345")),
);
const money = fc.record(
  {
    amount: fc.oneof(
      fc.integer({ min: 0, max: 100_000_000 }).map((cents) => cents / 100),
      fc.double({ min: -1, max: 1_100_000, noNaN: true }),
      fc.constantFrom(0, 1e-7, 1_000_000, 1_000_000.01, 123456789.123456),
    ),
    currency: sometimes(
      fc.constantFrom("EUR", "GBP", "USD", "JPY", "AED"),
      fc.constantFrom("XXX", "eur", "ABC", ""),
    ),
  },
  { requiredKeys: ["amount", "currency"] },
);
/** Whole numbers in range mostly; the invalid ones just past each bound, fractional, or a string. */
const count = (max: number) =>
  sometimes(fc.integer({ min: 1, max }), fc.constantFrom(0, -1, max + 1, 2.5, 1.0000001, "2"));
const pick = (options: readonly string[]) =>
  sometimes(fc.constantFrom(...options), fc.constantFrom("", "Economy", "x"));
const CABINS = ["economy", "premium_economy", "business", "first"];
const CHANNELS = ["web", "mobile", "api"];

const envelope = (type: string) => ({
  eventId,
  type: sometimes(fc.constant(type), fc.constantFrom("booking.modified", "BOOKING.CREATED")),
  version: sometimes(fc.constant(1), fc.constantFrom(2, 1.5, "1")),
  occurredAt: timestamp,
});
/** An event type's generator: every key present but its optional one (dropping keys is `recordOf`'s job). */
const eventOf = <T extends Record<string, fc.Arbitrary<unknown>>>(model: T, optional?: keyof T & string) =>
  fc.record(model, { requiredKeys: Object.keys(model).filter((k) => k !== optional) as never });
const flightRef = { flightNumber, departureDate: date, origin: airport, destination: airport };
const anEvent = fc.oneof(
  eventOf(
    {
      ...envelope("flight.scheduled"),
      ...flightRef,
      departureTime: timestamp,
      arrivalTime: timestamp,
      capacity: count(1000),
      aircraftType: sometimes(text(`${UPPER}${DIGITS}`, 3, 4), text(`${UPPER}a`, 2, 5)),
    },
    "aircraftType",
  ),
  eventOf({
    ...envelope("booking.created"),
    bookingRef: sometimes(text(`${UPPER}${DIGITS}`, 6, 6), text(`${UPPER}a`, 5, 7)),
    ...flightRef,
    cabin: pick(CABINS),
    seats: count(9),
    fare: money,
    channel: pick(CHANNELS),
  }),
  eventOf(
    {
      ...envelope("booking.cancelled"),
      bookingRef: text(`${UPPER}${DIGITS}`, 6, 6),
      ...flightRef,
      cabin: pick(CABINS),
      seats: count(9),
      refund: money,
    },
    "refund",
  ),
  eventOf({
    ...envelope("search.performed"),
    origin: airport,
    destination: airport,
    departureDate: date,
    passengers: count(9),
    cabin: pick(CABINS),
    channel: pick(CHANNELS),
  }),
);

/** An event as a producer writes it: the contract's key order or shuffled, with an extra key if asked. */
const recordOf = (extraKeys: boolean) =>
  fc
    .tuple(
      anEvent,
      fc.boolean(),
      fc.nat(),
      extraKeys ? fc.option(fc.constantFrom("note", "seats", "__proto__")) : fc.constant(null),
      fc.oneof({ arbitrary: fc.constant(null), weight: 19 }, { arbitrary: fc.nat(), weight: 1 }),
    )
    .map(([event, shuffle, seed, extra, drop]) => {
      const entries = Object.entries(event);
      if (drop !== null) entries.splice(drop % entries.length, 1);
      if (shuffle)
        entries.sort(
          ([a], [b]) => ((a.charCodeAt(0) * 31 + seed) % 17) - ((b.charCodeAt(0) * 31 + seed) % 17),
        );
      let json = JSON.stringify(Object.fromEntries(entries));
      if (extra !== null) json = `${json.slice(0, -1)},"${extra}":1}`;
      return Buffer.from(json, "utf8");
    });
const aRecord = recordOf(true);

/** Byte edits around the JSON's structure: quotes, escapes, whitespace, digits, non-ASCII. */
const mutated = fc
  .tuple(
    aRecord,
    fc.array(
      fc.record({
        op: fc.constantFrom("set", "insert", "delete"),
        at: fc.nat(),
        byte: fc.constantFrom(
          0x22,
          0x5c,
          0x20,
          0x0a,
          0x2c,
          0x3a,
          0x7b,
          0x7d,
          0x30,
          0x39,
          0x2e,
          0x65,
          0x41,
          0x61,
          0x80,
          0xc3,
        ),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(([record, edits]) => {
    const bytes = [...record];
    for (const { op, at, byte } of edits) {
      const i = at % (bytes.length + 1);
      if (op === "set") bytes[Math.min(i, bytes.length - 1)] = byte;
      else if (op === "insert") bytes.splice(i, 0, byte);
      else bytes.splice(i, 1);
    }
    return Buffer.from(bytes);
  });

const show = (bytes: Uint8Array) => Buffer.from(bytes).toString("utf8");

/** The fast path either defers, or gives exactly the full decoder's event (key order included) and time. */
function agrees(bytes: Uint8Array): boolean {
  const fast = decodeCanonical(bytes);
  if (fast === undefined) return true;
  const full = decodeInFull(bytes);
  if (!full.ok)
    throw new Error(
      `fast path accepted what the full decoder rejects (${full.rejection.reason}): ${show(bytes)}`,
    );
  expect(JSON.stringify(fast.event), show(bytes)).to.equal(JSON.stringify(full.event));
  expect(fast.event).to.deep.equal(full.event);
  expect(fast.eventTimeMs).to.equal(full.eventTimeMs);
  return true;
}

describe("canonical decoder (the decoder's one-pass path)", () => {
  it("accepts every record of a simulated day, each equal to the full decoder's event", () => {
    const traffic = dayOfTraffic({ events: 20_000, shards: 2, seed: 5 });
    let records = 0;
    for (const list of traffic.values())
      for (const r of list) {
        records++;
        const fast = decodeCanonical(r.data);
        const full = decodeInFull(r.data);
        if (!full.ok) {
          expect(fast, show(r.data)).to.equal(undefined);
          continue;
        }
        expect(fast, show(r.data)).to.not.equal(undefined);
        agrees(r.data);
      }
    expect(records).to.be.greaterThan(20_000);
  });

  it(`agrees with the full decoder on ${RUNS} generated events, valid and invalid, in any key order`, () => {
    let accepted = 0;
    let valid = 0;
    fc.assert(
      fc.property(aRecord, (bytes) => {
        if (decodeInFull(bytes).ok) valid++;
        if (decodeCanonical(bytes) !== undefined) accepted++;
        return agrees(bytes);
      }),
      { numRuns: RUNS, seed: 18 },
    );
    // The property is only worth something if both sides of it occur often.
    expect(valid, "valid events generated").to.be.greaterThan(RUNS / 20);
    expect(accepted, "accepted by the fast path").to.be.greaterThan(RUNS / 20);
  });

  it(`agrees with the full decoder on ${RUNS} records mutated byte by byte`, () => {
    fc.assert(fc.property(mutated, agrees), { numRuns: RUNS, seed: 19 });
  });

  it("takes every valid compact record whose numbers have at most two decimals (no silent fallback)", () => {
    fc.assert(
      fc.property(recordOf(false), (bytes) => {
        const full = decodeInFull(bytes);
        const plainNumbers = !/[0-9]\.[0-9]{3}|e[-+]/.test(show(bytes));
        if (full.ok && plainNumbers) expect(decodeCanonical(bytes), show(bytes)).to.not.equal(undefined);
      }),
      { numRuns: RUNS, seed: 20 },
    );
  });

  it("leaves every rejection to the full decoder: same code, path and reason through decodeRecord", () => {
    fc.assert(
      fc.property(mutated, (bytes) => {
        const viaRecord = decodeRecord(bytes);
        const full = decodeInFull(bytes);
        expect(viaRecord.ok).to.equal(full.ok);
        if (!viaRecord.ok && !full.ok) expect(viaRecord.rejection).to.deep.equal(full.rejection);
      }),
      { numRuns: 1_000, seed: 21 },
    );
  });
});
