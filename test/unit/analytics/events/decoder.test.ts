import { expect } from "chai";
import {
  type DecodeResult,
  decodeRecord,
  encodeEvent,
  type FlightEvent,
  MAX_RECORD_BYTES,
  parseTimestamp,
  type RejectionCode,
  sampleEvents,
} from "../../../../analytics/events";

const json = (v: unknown) => JSON.stringify(v);
const rejected = (r: DecodeResult) => {
  if (r.ok) throw new Error(`expected a rejection, got ${json(r.event)}`);
  return r.rejection;
};

describe("event decoder", () => {
  describe("accepts every valid event type and round-trips it", () => {
    const events: FlightEvent[] = [
      sampleEvents.flightScheduled(),
      sampleEvents.bookingCreated(),
      sampleEvents.bookingCancelled(),
      sampleEvents.bookingCancelled({ refund: undefined }),
      sampleEvents.searchPerformed(),
      sampleEvents.bookingCreated({ occurredAt: "2026-11-22T14:05:00.123+05:30", cabin: "premium_economy" }),
    ];
    for (const event of events) {
      it(`${event.type} ${event.eventId}`, () => {
        const clean = JSON.parse(json(event));
        const result = decodeRecord(encodeEvent(event));
        expect(result.ok, json(result)).to.equal(true);
        if (result.ok) {
          expect(result.event).to.deep.equal(clean);
          expect(result.eventTimeMs).to.equal(Date.parse(event.occurredAt));
        }
      });
    }
  });

  const b = sampleEvents.bookingCreated();
  const f = sampleEvents.flightScheduled();
  const { bookingRef: _omit, ...noBookingRef } = b;
  type Case = [
    name: string,
    input: string | Uint8Array,
    code: RejectionCode,
    path: string,
    reasonIncludes: string,
  ];
  const cases: Case[] = [
    ["not JSON", "{not json", "invalid_json", "", "not JSON"],
    ["empty record", "", "invalid_json", "", "not JSON"],
    ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), "invalid_encoding", "", "UTF-8"],
    ["a JSON array", "[1,2]", "not_an_object", "", "JSON object"],
    ["a JSON string", '"booking"', "not_an_object", "", "JSON object"],
    ["JSON null", "null", "not_an_object", "", "JSON object"],
    ["no type", json({ ...b, type: undefined }), "missing_field", "/type", "required"],
    ["unknown type", json({ ...b, type: "booking.modified" }), "unknown_type", "/type", "booking.modified"],
    ["type of wrong kind", json({ ...b, type: 7 }), "unknown_type", "/type", "7"],
    ["no version", json({ ...b, version: undefined }), "missing_field", "/version", "required"],
    ["unknown version", json({ ...b, version: 2 }), "unsupported_version", "/version", "version 2"],
    ["version as string", json({ ...b, version: "1" }), "unsupported_version", "/version", '"1"'],
    ["missing booking reference", json(noBookingRef), "missing_field", "/bookingRef", "required"],
    ["lower-case IATA origin", json({ ...b, origin: "lhr" }), "invalid_field", "/origin", "IATA"],
    [
      "4-letter IATA destination",
      json({ ...b, destination: "KJFK" }),
      "invalid_field",
      "/destination",
      "IATA",
    ],
    [
      "same origin and destination",
      json({ ...b, destination: "LHR" }),
      "invalid_field",
      "/destination",
      "differ",
    ],
    ["zero seats", json({ ...b, seats: 0 }), "invalid_field", "/seats", "1 to 9"],
    ["negative seats", json({ ...b, seats: -2 }), "invalid_field", "/seats", "1 to 9"],
    ["fractional seats", json({ ...b, seats: 1.5 }), "invalid_field", "/seats", "whole number"],
    ["seats as string", json({ ...b, seats: "2" }), "invalid_field", "/seats", "whole number"],
    ["zero capacity", json({ ...f, capacity: 0 }), "invalid_field", "/capacity", "seats"],
    [
      "unparseable occurredAt",
      json({ ...b, occurredAt: "yesterday" }),
      "invalid_field",
      "/occurredAt",
      "ISO-8601",
    ],
    [
      "occurredAt without offset",
      json({ ...b, occurredAt: "2026-11-22T14:05:00" }),
      "invalid_field",
      "/occurredAt",
      "offset",
    ],
    [
      "30 February",
      json({ ...b, occurredAt: "2026-02-30T10:00:00Z" }),
      "invalid_field",
      "/occurredAt",
      "real date-time",
    ],
    [
      "hour 25",
      json({ ...b, occurredAt: "2026-02-03T25:00:00Z" }),
      "invalid_field",
      "/occurredAt",
      "real date-time",
    ],
    [
      "departure date 31 April",
      json({ ...b, departureDate: "2026-04-31" }),
      "invalid_field",
      "/departureDate",
      "calendar",
    ],
    [
      "arrival before departure",
      json({ ...f, arrivalTime: f.departureTime }),
      "invalid_field",
      "/arrivalTime",
      "after",
    ],
    [
      "unknown currency",
      json({ ...b, fare: { amount: 10, currency: "XYZ" } }),
      "invalid_field",
      "/fare/currency",
      "ISO 4217",
    ],
    [
      "negative fare",
      json({ ...b, fare: { amount: -1, currency: "EUR" } }),
      "invalid_field",
      "/fare/amount",
      "0 to",
    ],
    [
      "fare without currency",
      json({ ...b, fare: { amount: 1 } }),
      "missing_field",
      "/fare/currency",
      "required",
    ],
    ["bad cabin", json({ ...b, cabin: "cargo" }), "invalid_field", "/cabin", "economy"],
    ["bad channel", json({ ...b, channel: "fax" }), "invalid_field", "/channel", "web"],
    [
      "bad flight number",
      json({ ...b, flightNumber: "F1" }),
      "invalid_field",
      "/flightNumber",
      "flight number",
    ],
    ["bad booking reference", json({ ...b, bookingRef: "abc" }), "invalid_field", "/bookingRef", "PNR"],
    ["unknown field", json({ ...b, seatz: 2 }), "unknown_field", "/seatz", "not a field"],
    [
      "__proto__ key",
      '{"__proto__": {"polluted": true}, "type": "booking.created"}',
      "forbidden_key",
      "/__proto__",
      "prototype",
    ],
    [
      "nested constructor key",
      json({ ...b, fare: { amount: 1, currency: "EUR", constructor: { x: 1 } } }),
      "forbidden_key",
      "/fare/constructor",
      "prototype",
    ],
    ["escaped __proto__ key", '{"\\u005f_proto__": {"x": 1}}', "forbidden_key", "/__proto__", "prototype"],
    ["record over 1 MiB", Buffer.alloc(MAX_RECORD_BYTES + 1, 0x20), "too_large", "", "1 MiB"],
  ];

  describe("rejects bad input with the right code, path and reason", () => {
    for (const [name, input, code, path, reasonIncludes] of cases) {
      it(name, () => {
        const raw = typeof input === "string" ? Buffer.from(input) : input;
        const r = rejected(decodeRecord(raw));
        expect(r.code).to.equal(code);
        expect(r.path).to.equal(path);
        expect(r.reason).to.include(reasonIncludes);
        if (path !== "") expect(r.reason.startsWith(`${path}:`), r.reason).to.equal(true);
        expect(Buffer.from(r.raw).equals(Buffer.from(raw)), "raw bytes kept").to.equal(true);
      });
    }
  });

  it("never pollutes Object.prototype, whatever the record", () => {
    decodeRecord('{"__proto__": {"polluted": true}}');
    decodeRecord('{"constructor": {"prototype": {"polluted": true}}}');
    expect(({} as Record<string, unknown>)["polluted"]).to.equal(undefined);
  });

  it("accepts a record of exactly 1 MiB (the Kinesis limit) as far as size goes", () => {
    const padded = Buffer.alloc(MAX_RECORD_BYTES, 0x20);
    Buffer.from(json(b)).copy(padded);
    const r = decodeRecord(padded);
    expect(r.ok, json(r.ok ? "" : r.rejection.reason)).to.equal(true);
  });

  describe("parseTimestamp agrees with Date.parse on valid instants", () => {
    for (const iso of [
      "2026-11-22T14:05:00Z",
      "2026-11-22T14:05Z",
      "2024-02-29T23:59:59.999Z",
      "2026-11-22T14:05:00.5-03:30",
      "2026-01-01T00:00:00.123456789+14:00",
      "1999-12-31T23:59:59-12:00",
      // Years 0–99 are themselves, not 1900–1999 (as Date.UTC would read them).
      "0050-06-01T12:00:00Z",
      "0000-03-01T00:00:00+01:00",
    ]) {
      it(iso, () => expect(parseTimestamp(iso)).to.equal(Date.parse(iso)));
    }
    it("rejects 29 February outside leap years", () => {
      expect(parseTimestamp("2026-02-29T00:00:00Z")).to.equal(undefined);
      expect(parseTimestamp("1900-02-29T00:00:00Z")).to.equal(undefined);
      expect(parseTimestamp("2000-02-29T00:00:00Z")).to.equal(Date.parse("2000-02-29T00:00:00Z"));
    });
    it("rejects what only looks like one: a character whose low byte is a digit, text after it, anything longer", () => {
      // U+0130 and U+0131 end in the bytes of "0" and "1"; read as Latin-1 bytes they were taken for digits.
      expect(parseTimestamp("2026-11-2\u0130T14:05:00Z")).to.equal(undefined);
      expect(parseTimestamp("\u0132026-11-22T14:05:00Z")).to.equal(undefined);
      expect(parseTimestamp("2026-11-22T14:05:00ZZ")).to.equal(undefined);
      expect(parseTimestamp("2026-11-22T14:05:00.1234567890Z")).to.equal(undefined);
      expect(parseTimestamp(`2026-11-22T14:05:00.${"1".repeat(60)}Z`)).to.equal(undefined);
      // After a longer string, a shorter one is read by itself.
      expect(parseTimestamp("2026-11-22T14:05Z")).to.equal(Date.parse("2026-11-22T14:05Z"));
    });
  });
});
