// Deliberately bad records, one defect each, the kinds a real producer emits: truncated JSON, a lower-case
// airport code, zero seats, an unknown event type or version, a missing field, an unknown currency, a
// prototype-pollution key. They must all reach the rejected-events sink with a reason.
import type { BookingCreated } from "../../analytics/events";
import type { Random } from "./prng";

type Defect = (e: BookingCreated) => string;

const DEFECTS: Record<string, Defect> = {
  truncated_json: (e) => JSON.stringify(e).slice(0, 40),
  lowercase_iata: (e) => JSON.stringify({ ...e, origin: e.origin.toLowerCase() }),
  zero_seats: (e) => JSON.stringify({ ...e, seats: 0 }),
  unknown_type: (e) => JSON.stringify({ ...e, type: "booking.modified" }),
  unknown_version: (e) => JSON.stringify({ ...e, version: 9 }),
  missing_booking_ref: (e) => {
    const { bookingRef: _drop, ...rest } = e;
    return JSON.stringify(rest);
  },
  unknown_currency: (e) => JSON.stringify({ ...e, fare: { ...e.fare, currency: "XBT" } }),
  prototype_pollution: (e) => `{"__proto__":{"admin":true},${JSON.stringify(e).slice(1)}`,
};

export const DEFECT_NAMES = Object.keys(DEFECTS);

const FALLBACK: BookingCreated = {
  eventId: "bad-fallback",
  type: "booking.created",
  version: 1,
  occurredAt: "2026-01-01T00:00:00Z",
  bookingRef: "AAAAAA",
  flightNumber: "FH100",
  departureDate: "2026-01-02",
  origin: "LHR",
  destination: "JFK",
  cabin: "economy",
  seats: 1,
  fare: { amount: 1, currency: "GBP" },
  channel: "web",
};

export function badRecord(
  random: Random,
  base: BookingCreated | undefined,
): { data: Uint8Array; defect: string } {
  const defect = random.pick(DEFECT_NAMES);
  const make = DEFECTS[defect] as Defect;
  return { defect, data: Buffer.from(make(base ?? FALLBACK)) };
}
