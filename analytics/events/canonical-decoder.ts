// The decoder's fast path: one pass over the record's bytes that parses and validates a well-formed event
// in the shape producers write (compact JSON, ASCII, no escapes), without JSON.parse, regular expressions
// or the generic schema walk. It only ever *accepts*: anything it is not certain of (whitespace, escapes,
// non-ASCII, exponents, unknown or repeated keys, any invalid field) returns `undefined` and the full
// decoder decides, so rejections keep their exact code, path and reason. What it accepts equals what the
// full decoder accepts, field for field and key order included; test/unit/analytics/events/
// canonical-decoder.test.ts checks that on generated and mutated records. The patterns it implements by
// hand are checked against the contract's at load (`assertContractUnchanged`), so a change to schema.ts
// cannot silently leave this path validating the old contract.
import {
  BookingRef,
  Cabin,
  Channel,
  Currency,
  EVENT_SCHEMAS,
  EVENT_TYPES,
  EventId,
  type EventType,
  type FlightEvent,
  FlightNumber,
  FlightScheduledSchema,
  IataAirport,
  LocalDate,
  Money,
  SeatCount,
  SUPPORTED_VERSIONS,
  Timestamp,
} from "./schema";
import { digitsOrNot, isRealDate, scanTimestamp } from "./timestamps";

/** What the fast path returns for a record it accepts (the decoder's `ok` result). */
export interface CanonicalEvent {
  readonly ok: true;
  readonly event: FlightEvent;
  readonly eventTimeMs: number;
}

// Field kinds: how a key's value is parsed and checked.
enum Kind {
  EventId,
  Type,
  Version,
  Timestamp,
  FlightNumber,
  LocalDate,
  Airport,
  Capacity,
  AircraftType,
  BookingRef,
  Cabin,
  SeatCount,
  Money,
  Channel,
}

const FIELDS: readonly (readonly [name: string, kind: Kind])[] = [
  ["eventId", Kind.EventId],
  ["type", Kind.Type],
  ["version", Kind.Version],
  ["occurredAt", Kind.Timestamp],
  ["flightNumber", Kind.FlightNumber],
  ["departureDate", Kind.LocalDate],
  ["origin", Kind.Airport],
  ["destination", Kind.Airport],
  ["departureTime", Kind.Timestamp],
  ["arrivalTime", Kind.Timestamp],
  ["capacity", Kind.Capacity],
  ["aircraftType", Kind.AircraftType],
  ["bookingRef", Kind.BookingRef],
  ["cabin", Kind.Cabin],
  ["seats", Kind.SeatCount],
  ["passengers", Kind.SeatCount],
  ["fare", Kind.Money],
  ["refund", Kind.Money],
  ["channel", Kind.Channel],
];
const FIELD_NAMES = FIELDS.map(([name]) => name);
const FIELD_KINDS = FIELDS.map(([, kind]) => kind);
const field = (name: string): number => {
  const id = FIELD_NAMES.indexOf(name);
  if (id < 0) throw new Error(`canonical decoder: no field kind for ${name}; update canonical-decoder.ts`);
  return id;
};
const EVENT_ID = field("eventId");
const TYPE = field("type");
const VERSION = field("version");
const OCCURRED_AT = field("occurredAt");
const FLIGHT_NUMBER = field("flightNumber");
const DEPARTURE_DATE = field("departureDate");
const ORIGIN = field("origin");
const DESTINATION = field("destination");
const DEPARTURE_TIME = field("departureTime");
const ARRIVAL_TIME = field("arrivalTime");
const CAPACITY = field("capacity");
const AIRCRAFT_TYPE = field("aircraftType");
const BOOKING_REF = field("bookingRef");
const CABIN = field("cabin");
const SEATS = field("seats");
const PASSENGERS = field("passengers");
const FARE = field("fare");
const REFUND = field("refund");
const CHANNEL = field("channel");

/** `"name":` of every field: a key is recognised and stepped over in one compare. */
const QUOTED_KEYS = FIELD_NAMES.map((n) => patternOf(`"${n}":`));

/**
 * Field ids by (key length, first byte), two slots each (no more than two keys share both), -1 for none:
 * the fallback when a key is not the one the contract's order predicts.
 */
const MAX_KEY = 32;
const keySlot = (length: number, first: number) => (length * 128 + first) * 2;
const KEY_CANDIDATES = new Int8Array(MAX_KEY * 128 * 2).fill(-1);
FIELD_NAMES.forEach((name, id) => {
  const slot = keySlot(name.length, name.charCodeAt(0));
  const free = KEY_CANDIDATES[slot] === -1 ? slot : slot + 1;
  if (KEY_CANDIDATES[free] !== -1) throw new Error("canonical decoder: three keys share a slot");
  KEY_CANDIDATES[free] = id;
});

type Values = unknown[];
type Build = (v: Values, seen: number) => FlightEvent;
const has = (seen: number, id: number) => (seen & (1 << id)) !== 0;

// The event as JSON.parse would build it from keys in the contract's order, written as literals so every
// event of a type shares one hidden class (a key-by-key build costs more than the whole scan). Checked
// against the contract's property order at load.
const BUILDERS: Record<EventType, Build> = {
  "flight.scheduled": (v, seen) => {
    const e = {
      eventId: v[EVENT_ID],
      type: v[TYPE],
      version: v[VERSION],
      occurredAt: v[OCCURRED_AT],
      flightNumber: v[FLIGHT_NUMBER],
      departureDate: v[DEPARTURE_DATE],
      origin: v[ORIGIN],
      destination: v[DESTINATION],
      departureTime: v[DEPARTURE_TIME],
      arrivalTime: v[ARRIVAL_TIME],
      capacity: v[CAPACITY],
    } as Record<string, unknown>;
    if (has(seen, AIRCRAFT_TYPE)) e["aircraftType"] = v[AIRCRAFT_TYPE];
    return e as unknown as FlightEvent;
  },
  "booking.created": (v) =>
    ({
      eventId: v[EVENT_ID],
      type: v[TYPE],
      version: v[VERSION],
      occurredAt: v[OCCURRED_AT],
      bookingRef: v[BOOKING_REF],
      flightNumber: v[FLIGHT_NUMBER],
      departureDate: v[DEPARTURE_DATE],
      origin: v[ORIGIN],
      destination: v[DESTINATION],
      cabin: v[CABIN],
      seats: v[SEATS],
      fare: v[FARE],
      channel: v[CHANNEL],
    }) as unknown as FlightEvent,
  "booking.cancelled": (v, seen) => {
    const e = {
      eventId: v[EVENT_ID],
      type: v[TYPE],
      version: v[VERSION],
      occurredAt: v[OCCURRED_AT],
      bookingRef: v[BOOKING_REF],
      flightNumber: v[FLIGHT_NUMBER],
      departureDate: v[DEPARTURE_DATE],
      origin: v[ORIGIN],
      destination: v[DESTINATION],
      cabin: v[CABIN],
      seats: v[SEATS],
    } as Record<string, unknown>;
    if (has(seen, REFUND)) e["refund"] = v[REFUND];
    return e as unknown as FlightEvent;
  },
  "search.performed": (v) =>
    ({
      eventId: v[EVENT_ID],
      type: v[TYPE],
      version: v[VERSION],
      occurredAt: v[OCCURRED_AT],
      origin: v[ORIGIN],
      destination: v[DESTINATION],
      departureDate: v[DEPARTURE_DATE],
      passengers: v[PASSENGERS],
      cabin: v[CABIN],
      channel: v[CHANNEL],
    }) as unknown as FlightEvent,
};

/** Per event type: its fields in the contract's order, which must or may appear, and how to build it. */
interface TypeShape {
  readonly type: EventType;
  readonly order: readonly number[];
  /** The field expected after each one (index: field id + 1; -1 = none), to recognise keys by prediction. */
  readonly next: Int8Array;
  readonly required: number;
  readonly allowed: number;
  /** Version 1 is the only one this path reads; a type that no longer supports it always defers. */
  readonly readsVersion1: boolean;
  readonly build: Build;
}

const nextTable = (order: readonly number[]) => {
  const next = new Int8Array(FIELDS.length + 1).fill(-1);
  next[0] = order[0] ?? -1;
  order.forEach((id, k) => {
    next[id + 1] = order[k + 1] ?? -1;
  });
  return next;
};

const SHAPES: readonly TypeShape[] = EVENT_TYPES.map((type) => {
  const schema = EVENT_SCHEMAS[type] as unknown as {
    properties: Record<string, unknown>;
    required?: string[];
  };
  const bits = (names: readonly string[]) => names.reduce((m, n) => m | (1 << field(n)), 0);
  const order = Object.keys(schema.properties).map(field);
  const version = (schema.properties["version"] as { const?: unknown } | undefined)?.const;
  const shape: TypeShape = {
    type,
    order,
    next: nextTable(order),
    required: bits(schema.required ?? []),
    allowed: bits(Object.keys(schema.properties)),
    readsVersion1: version === 1 && SUPPORTED_VERSIONS[type].includes(1),
    build: BUILDERS[type],
  };
  const built = Object.keys(shape.build(FIELD_NAMES, shape.allowed));
  if (built.join() !== Object.keys(schema.properties).join())
    throw new Error(
      `canonical decoder: the ${type} builder writes ${built.join()}; update canonical-decoder.ts`,
    );
  return shape;
});
/** Before the type is known, every type starts with the same envelope. */
const ENVELOPE = [EVENT_ID, TYPE, VERSION, OCCURRED_AT];
const ENVELOPE_NEXT = nextTable(ENVELOPE);
for (const shape of SHAPES)
  if (shape.order.slice(0, ENVELOPE.length).join() !== ENVELOPE.join())
    throw new Error(
      `canonical decoder: ${shape.type} does not start with the envelope; update canonical-decoder.ts`,
    );

/** An enumeration's values, their bytes, and which of them start with each byte (checked in that order). */
interface Enumeration {
  readonly values: readonly string[];
  /** Each value and its closing quote. */
  readonly patterns: readonly Pattern[];
  readonly byFirstByte: readonly (readonly number[])[];
  /** The value found last, tried first: consecutive records mostly repeat it. */
  last: number;
}
const enumOf = (values: readonly string[]): Enumeration => {
  const patterns = values.map((v) => patternOf(`${v}"`));
  const byFirstByte: number[][] = Array.from({ length: 128 }, () => []);
  patterns.forEach((v, k) => {
    byFirstByte[(v.bytes[0] as number) & 127]?.push(k);
  });
  return { values, patterns, byFirstByte, last: 0 };
};
const TYPES = enumOf(EVENT_TYPES);

const literals = (union: unknown) => (union as { anyOf: { const: string }[] }).anyOf.map((s) => s.const);
const CABINS = enumOf(literals(Cabin));
const CHANNELS = enumOf(literals(Channel));

const range = (schema: unknown) => schema as { minimum: number; maximum: number };
const CAPACITY_RANGE = range(FlightScheduledSchema.properties.capacity);
const SEAT_RANGE = range(SeatCount);
const AMOUNT_RANGE = range(Money.properties.amount);

// Traffic names a few hundred departure dates at most: each one's string is built once and shared (up to a
// bound, so a stream of odd dates cannot grow the table without limit).
const DATE_TEXT = new Map<number, string>();
const MAX_DATES = 4096;
function dateText(yyyymmdd: number, text: string, at: number): string {
  let date = DATE_TEXT.get(yyyymmdd);
  if (date === undefined) {
    date = text.slice(at, at + 10);
    if (DATE_TEXT.size < MAX_DATES) DATE_TEXT.set(yyyymmdd, date);
  }
  return date;
}

/** Three upper-case letters as one index: currencies and airports are looked up, not sliced. */
const code3 = (b: Uint8Array, at: number) =>
  ((b[at] as number) - 65) * 676 + ((b[at + 1] as number) - 65) * 26 + ((b[at + 2] as number) - 65);
const CURRENCY_BY_CODE: (string | undefined)[] = new Array(26 * 26 * 26).fill(undefined);
for (const c of literals(Currency)) CURRENCY_BY_CODE[code3(Buffer.from(c, "latin1"), 0)] = c;
// Airports are any three letters; each distinct code is built once and shared, which also makes route keys
// built from them cheap to compare.
const AIRPORT_BY_CODE: (string | undefined)[] = new Array(26 * 26 * 26).fill(undefined);

const latin1Slice = (
  Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }
).latin1Slice;

const QUOTE = 0x22;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;

const isDigit = (c: number) => c >= 48 && c <= 57;
const isUpper = (c: number) => c >= 65 && c <= 90;
const isUpperOrDigit = (c: number) => isUpper(c) || isDigit(c);
/** Bytes an event id may hold after its first (`[A-Za-z0-9._:-]`), by byte value: one load per byte. */
const ID_BYTES = new Uint8Array(256);
for (const c of Buffer.from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-", "latin1"))
  ID_BYTES[c] = 1;
const isAlnum = (c: number) => isUpperOrDigit(c) || (c >= 97 && c <= 122);

/**
 * Bytes the scan compares against (keys, enumeration values), also as little-endian 32-bit words at 0, 4,
 * 8, … and a last one ending with the pattern (overlapping the one before): a key is compared in three to
 * five word compares instead of ten to sixteen byte compares and branches (the keys and the event type
 * were a third of the scan).
 */
interface Pattern {
  readonly length: number;
  readonly bytes: Uint8Array;
  readonly words: Int32Array;
}
function patternOf(text: string): Pattern {
  const bytes = Buffer.from(text, "latin1");
  const words = new Int32Array(bytes.length < 4 ? 0 : Math.ceil(bytes.length / 4));
  for (let k = 0; k < words.length; k++) words[k] = wordAt(bytes, Math.min(4 * k, bytes.length - 4));
  return { length: bytes.length, bytes, words };
}

/** The four bytes at `at` as a little-endian int32: how patterns are stored and records compared. */
function wordAt(b: Uint8Array, at: number): number {
  return (
    (b[at] as number) |
    ((b[at + 1] as number) << 8) |
    ((b[at + 2] as number) << 16) |
    ((b[at + 3] as number) << 24)
  );
}

/** Whether `p` is at `at` of `b`. */
function matchesAt(b: Uint8Array, at: number, p: Pattern): boolean {
  const length = p.length;
  if (at + length > b.length) return false;
  const words = p.words;
  const lastWord = words.length - 1;
  if (lastWord < 0) {
    const bytes = p.bytes;
    for (let j = 0; j < length; j++) if (b[at + j] !== bytes[j]) return false;
    return true;
  }
  for (let k = 0; k < lastWord; k++) if (wordAt(b, at + 4 * k) !== words[k]) return false;
  return wordAt(b, at + length - 4) === words[lastWord];
}

// One record is decoded at a time and its values are copied into the event before the next: scratch space
// shared across calls (which fields are current is `seen`).
const VALUES: Values = new Array(FIELDS.length).fill(undefined);
const ORDER = new Int8Array(FIELDS.length);
/** Epoch ms of each timestamp field read (valid where `seen` says the field was). */
const TIMES = new Float64Array(FIELDS.length);

/**
 * Parses a record in the canonical shape. Returns the accepted event, or undefined when the full decoder
 * must look (which includes every record that is invalid, and some valid ones written differently).
 */
export function decodeCanonical(b: Uint8Array): CanonicalEvent | undefined {
  const n = b.length;
  if (n < 2 || b[0] !== LBRACE) return undefined;
  // One native call for the whole record; field values are then cheap JS substrings of it. Only an
  // all-ASCII record is ever accepted, and there Latin-1 and UTF-8 read the same.
  const text = latin1Slice.call(b, 0, n);
  const values = VALUES;
  let shape: TypeShape | undefined;
  let seen = 0;
  let count = 0;
  let last = -1;
  // Every key the predicted one: the keys are a prefix of the contract's order, no check needed after.
  let predicted = true;
  let i = 1;
  for (;;) {
    // The key the contract's order predicts, else a lookup.
    let id = (shape === undefined ? ENVELOPE_NEXT : shape.next)[last + 1] as number;
    if (id < 0 || !matchesAt(b, i, QUOTED_KEYS[id] as Pattern)) {
      id = keyAt(b, i);
      predicted = false;
    }
    if (id < 0 || has(seen, id)) return undefined;
    i += (QUOTED_KEYS[id] as Pattern).length;
    seen |= 1 << id;
    ORDER[count++] = id;
    last = id;
    i = parseValue(FIELD_KINDS[id] as Kind, b, text, i, id);
    if (i < 0) return undefined;
    if (id === TYPE) shape = SHAPES[values[TYPE] as number];
    const c = b[i];
    if (c === COMMA) i++;
    else if (c === RBRACE && i === n - 1) break;
    else return undefined;
  }
  if (shape === undefined || !shape.readsVersion1) return undefined;
  if ((seen & shape.required) !== shape.required || (seen & ~shape.allowed) !== 0) return undefined;
  if (values[ORIGIN] === values[DESTINATION]) return undefined;
  const eventTimeMs = TIMES[OCCURRED_AT] as number;
  if (
    shape.type === "flight.scheduled" &&
    (TIMES[ARRIVAL_TIME] as number) <= (TIMES[DEPARTURE_TIME] as number)
  )
    return undefined;
  values[TYPE] = shape.type;
  const event =
    predicted || inContractOrder(shape, seen, count)
      ? shape.build(values, seen)
      : buildInOrder(values, count);
  return { ok: true, event, eventTimeMs };
}

/** The field whose `"name":` starts at `at`, or -1. */
function keyAt(b: Uint8Array, at: number): number {
  let k = at + 1;
  while (k < b.length && b[k] !== QUOTE) k++;
  const length = k - at - 1;
  if (length < 1 || length >= MAX_KEY) return -1;
  const slot = keySlot(length, (b[at + 1] as number) & 127);
  for (let c = slot; c < slot + 2; c++) {
    const id = KEY_CANDIDATES[c] as number;
    if (id >= 0 && matchesAt(b, at, QUOTED_KEYS[id] as Pattern)) return id;
  }
  return -1;
}

/** Whether the keys came in the contract's order (optional ones may be absent). */
function inContractOrder(shape: TypeShape, seen: number, count: number): boolean {
  let k = 0;
  for (const id of shape.order) if (has(seen, id) && ORDER[k++] !== id) return false;
  return k === count;
}

/** Keys in another order: built key by key, as JSON.parse would (slower, and rare). */
function buildInOrder(values: Values, count: number): FlightEvent {
  const event: Record<string, unknown> = {};
  for (let k = 0; k < count; k++) {
    const id = ORDER[k] as number;
    event[FIELD_NAMES[id] as string] = values[id];
  }
  return event as unknown as FlightEvent;
}

/** Which of the enumeration's values (then a closing quote) starts at `at`, or -1. */
function enumAt(e: Enumeration, b: Uint8Array, at: number): number {
  if (matchesAt(b, at, e.patterns[e.last] as Pattern)) return e.last;
  const candidates = e.byFirstByte[(b[at] as number) & 127] as readonly number[];
  for (let k = 0; k < candidates.length; k++) {
    const option = candidates[k] as number;
    if (matchesAt(b, at, e.patterns[option] as Pattern)) {
      e.last = option;
      return option;
    }
  }
  return -1;
}

/**
 * Parses the value of field `id` at `at` into VALUES; returns the index after it, or -1 to defer. String
 * values are checked as they are scanned, so a string ends only at a quote reached through valid characters
 * (never an escape, a control character or a non-ASCII byte).
 */
function parseValue(kind: Kind, b: Uint8Array, text: string, at: number, id: number): number {
  const values = VALUES;
  switch (kind) {
    case Kind.Version:
      values[id] = 1;
      return b[at] === 49 /* 1 */ ? at + 1 : -1;
    case Kind.Capacity:
    case Kind.SeatCount: {
      const end = numberEnd(b, at);
      if (end < 0) return -1;
      const v = numberValue(b, at, end);
      const { minimum, maximum } = kind === Kind.Capacity ? CAPACITY_RANGE : SEAT_RANGE;
      if (!Number.isInteger(v) || v < minimum || v > maximum) return -1;
      values[id] = v;
      return end;
    }
    case Kind.Money:
      return parseMoney(b, at, id);
  }
  if (b[at] !== QUOTE) return -1;
  const s = at + 1;
  let close = -1;
  switch (kind) {
    case Kind.Type: {
      const t = enumAt(TYPES, b, s);
      if (t < 0) return -1;
      values[id] = t;
      return s + (TYPES.patterns[t] as Pattern).length;
    }
    case Kind.Cabin:
    case Kind.Channel: {
      const names = kind === Kind.Cabin ? CABINS : CHANNELS;
      const e = enumAt(names, b, s);
      if (e < 0) return -1;
      values[id] = names.values[e];
      return s + (names.patterns[e] as Pattern).length;
    }
    case Kind.Airport: {
      if (!isUpper(b[s] as number) || !isUpper(b[s + 1] as number) || !isUpper(b[s + 2] as number)) return -1;
      if (b[s + 3] !== QUOTE) return -1;
      const code = code3(b, s);
      let name = AIRPORT_BY_CODE[code];
      if (name === undefined) {
        name = text.slice(s, s + 3);
        AIRPORT_BY_CODE[code] = name;
      }
      values[id] = name;
      return s + 4;
    }
    case Kind.EventId: {
      if (!isAlnum(b[s] as number)) return -1;
      let j = s + 1;
      while (j < b.length && ID_BYTES[b[j] as number] === 1) j++;
      if (j - s > 128 || b[j] !== QUOTE) return -1;
      // Its own copy, not a slice of the record's text: the duplicate filter keeps ids for the window plus
      // the allowed lateness, and a slice would keep the whole record alive with it.
      values[id] = latin1Slice.call(b, s, j);
      return j + 1;
    }
    case Kind.Timestamp:
      close = scanTimestamp(b, s, TIMES, id);
      if (close < 0 || b[close] !== QUOTE) return -1;
      // Its own copy, like the event id: V8 makes a slice of 13 characters or more a view of the record's
      // text, and the event, its warehouse row and its manifest line outlive the record by a checkpoint
      // interval (a worker's heap held 48 MB of record texts through these views mid-drain).
      values[id] = latin1Slice.call(b, s, close);
      return close + 1;
    case Kind.FlightNumber: {
      if (!isUpperOrDigit(b[s] as number) || !isUpperOrDigit(b[s + 1] as number)) return -1;
      let j = s + 2;
      while (isDigit(b[j] as number)) j++;
      const digitCount = j - (s + 2);
      if (digitCount < 1 || digitCount > 4) return -1;
      if (isUpper(b[j] as number)) j++;
      close = j;
      break;
    }
    case Kind.LocalDate: {
      const year = digitsOrNot(b, s, 4);
      const month = digitsOrNot(b, s + 5, 2);
      const day = digitsOrNot(b, s + 8, 2);
      if ((year | month | day) < 0 || b[s + 4] !== 45 || b[s + 7] !== 45) return -1;
      if (!isRealDate(year, month, day) || b[s + 10] !== QUOTE) return -1;
      values[id] = dateText(year * 10_000 + month * 100 + day, text, s);
      return s + 11;
    }
    case Kind.AircraftType:
    case Kind.BookingRef: {
      let j = s;
      while (isUpperOrDigit(b[j] as number)) j++;
      const len = j - s;
      if (kind === Kind.BookingRef ? len !== 6 : len < 3 || len > 4) return -1;
      close = j;
      break;
    }
  }
  if (close < 0 || b[close] !== QUOTE) return -1;
  values[id] = text.slice(s, close);
  return close + 1;
}

/** `{"amount":<number>,"currency":"XXX"}` in either order, nothing else. */
function parseMoney(b: Uint8Array, at: number, id: number): number {
  if (b[at] !== LBRACE) return -1;
  let amount: number | undefined;
  let currency: string | undefined;
  let amountFirst = false;
  let i = at + 1;
  for (;;) {
    if (amount === undefined && matchesAt(b, i, AMOUNT_KEY)) {
      i += AMOUNT_KEY.length;
      const end = numberEnd(b, i);
      if (end < 0) return -1;
      amount = numberValue(b, i, end);
      if (amount < AMOUNT_RANGE.minimum || amount > AMOUNT_RANGE.maximum) return -1;
      amountFirst = currency === undefined;
      i = end;
    } else if (currency === undefined && matchesAt(b, i, CURRENCY_KEY)) {
      i += CURRENCY_KEY.length;
      if (b[i] !== QUOTE || b[i + 4] !== QUOTE) return -1;
      if (!isUpper(b[i + 1] as number) || !isUpper(b[i + 2] as number) || !isUpper(b[i + 3] as number))
        return -1;
      currency = CURRENCY_BY_CODE[code3(b, i + 1)];
      if (currency === undefined) return -1;
      i += 5;
    } else return -1;
    if (b[i] === COMMA) i++;
    else if (b[i] === RBRACE) break;
    else return -1;
  }
  if (amount === undefined || currency === undefined) return -1;
  VALUES[id] = amountFirst ? { amount, currency } : { currency, amount };
  return i + 1;
}
const AMOUNT_KEY = patternOf('"amount":');
const CURRENCY_KEY = patternOf('"currency":');

/**
 * End of a non-negative JSON number without exponent and with at most 15 digits, or -1. Within those
 * bounds digits / 10^fraction is exactly the double JSON.parse gives (both operands are exact, and one
 * IEEE division rounds correctly).
 */
function numberEnd(b: Uint8Array, at: number): number {
  let j = at;
  if (b[j] === 48 /* 0 */) j++;
  else if (isDigit(b[j] as number)) while (isDigit(b[j] as number)) j++;
  else return -1;
  let digitCount = j - at;
  if (b[j] === 46 /* . */) {
    j++;
    const f = j;
    while (isDigit(b[j] as number)) j++;
    if (j === f) return -1;
    digitCount += j - f;
  }
  const c = b[j];
  if (c === 101 || c === 69 || digitCount > 15) return -1;
  return j;
}

function numberValue(b: Uint8Array, at: number, end: number): number {
  let mantissa = 0;
  let scale = 1;
  let inFraction = false;
  for (let j = at; j < end; j++) {
    const c = b[j] as number;
    if (c === 46) inFraction = true;
    else {
      mantissa = mantissa * 10 + (c - 48);
      if (inFraction) scale *= 10;
    }
  }
  return mantissa / scale;
}

/**
 * The hand-written checks above implement these patterns; if schema.ts changes one, this path must change
 * with it, so loading fails loudly instead of accepting by the old contract.
 */
function assertContractUnchanged(): void {
  const implemented: [schema: { pattern?: string }, pattern: string][] = [
    [EventId, "^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"],
    [
      Timestamp,
      "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})$",
    ],
    [FlightNumber, "^[A-Z0-9]{2}[0-9]{1,4}[A-Z]?$"],
    [LocalDate, "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"],
    [IataAirport, "^[A-Z]{3}$"],
    [BookingRef, "^[A-Z0-9]{6}$"],
  ];
  for (const [schema, pattern] of implemented)
    if (schema.pattern !== pattern)
      throw new Error(
        `canonical decoder: the contract's pattern ${schema.pattern} changed (implemented: ${pattern}); update canonical-decoder.ts`,
      );
}
assertContractUnchanged();
