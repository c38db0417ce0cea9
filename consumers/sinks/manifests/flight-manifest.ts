// A flight's seat manifest as a pure, order-independent and idempotent fold of its events: the same set of
// events gives the same manifest whatever their order, batching or duplication. That is what lets the
// sink apply redelivered or replayed records without ever counting a booking twice.
//
// Each booking keeps the seats its creations added and its cancellations released, plus the ids of the
// events already applied; a cancellation that overtakes its booking is kept and settles when the booking
// arrives. Capacity comes from the latest flight.scheduled (by event time, then event id).
import type {
  BookingCancelled,
  BookingCreated,
  CabinClass,
  FlightScheduled,
} from "../../../analytics/events";

export type ManifestEvent = FlightScheduled | BookingCreated | BookingCancelled;

export interface BookingLine {
  readonly cabin: CabinClass;
  readonly bookedSeats: number;
  readonly cancelledSeats: number;
  /** Event time of the latest change. */
  readonly updatedAt: string;
  readonly eventIds: readonly string[];
}

export type BookingStatus = "confirmed" | "partially_cancelled" | "cancelled" | "cancellation_pending";

export interface FlightManifest {
  readonly flight: string;
  readonly flightNumber: string;
  readonly departureDate: string;
  readonly origin: string;
  readonly destination: string;
  readonly schedule?: {
    readonly capacity: number;
    readonly departureTime: string;
    readonly aircraftType?: string;
    readonly occurredAt: string;
    readonly eventId: string;
  };
  readonly bookings: Readonly<Record<string, BookingLine>>;
  /** Latest event time applied. */
  readonly lastEventAt: string;
}

export interface ManifestFigures {
  readonly capacity?: number;
  readonly seatsBooked: number;
  readonly seatsAvailable?: number;
  readonly loadFactor?: number;
  readonly oversold: boolean;
  readonly oversoldBy: number;
  readonly confirmedBookings: number;
}

export const seatsHeld = (b: BookingLine): number => Math.max(0, b.bookedSeats - b.cancelledSeats);

export function bookingStatus(b: BookingLine): BookingStatus {
  if (b.bookedSeats === 0) return "cancellation_pending";
  if (b.cancelledSeats === 0) return "confirmed";
  return seatsHeld(b) === 0 ? "cancelled" : "partially_cancelled";
}

export function figuresOf(m: FlightManifest): ManifestFigures {
  let seatsBooked = 0;
  let confirmedBookings = 0;
  for (const b of Object.values(m.bookings)) {
    const held = seatsHeld(b);
    seatsBooked += held;
    if (held > 0) confirmedBookings++;
  }
  const capacity = m.schedule?.capacity;
  if (capacity === undefined) return { seatsBooked, oversold: false, oversoldBy: 0, confirmedBookings };
  return {
    capacity,
    seatsBooked,
    seatsAvailable: Math.max(0, capacity - seatsBooked),
    loadFactor: seatsBooked / capacity,
    oversold: seatsBooked > capacity,
    oversoldBy: Math.max(0, seatsBooked - capacity),
    confirmedBookings,
  };
}

export function emptyManifest(e: ManifestEvent): FlightManifest {
  return {
    flight: `${e.flightNumber}:${e.departureDate}`,
    flightNumber: e.flightNumber,
    departureDate: e.departureDate,
    origin: e.origin,
    destination: e.destination,
    bookings: {},
    lastEventAt: e.occurredAt,
  };
}

const later = (a: string, b: string): string => (Date.parse(a) >= Date.parse(b) ? a : b);

/** Applies events to a manifest; returns the same object when nothing changed (duplicates only). */
export function applyToManifest(
  manifest: FlightManifest | undefined,
  events: readonly ManifestEvent[],
): FlightManifest {
  const first = events[0];
  if (manifest === undefined && first === undefined) throw new RangeError("no manifest and no events");
  let m = manifest ?? emptyManifest(first as ManifestEvent);
  let bookings: Record<string, BookingLine> | undefined;
  for (const e of events) {
    if (e.type === "flight.scheduled") {
      const s = m.schedule;
      const newer =
        s === undefined ||
        Date.parse(e.occurredAt) > Date.parse(s.occurredAt) ||
        (e.occurredAt === s.occurredAt && e.eventId > s.eventId);
      if (!newer) continue;
      m = {
        ...m,
        schedule: {
          capacity: e.capacity,
          departureTime: e.departureTime,
          ...(e.aircraftType !== undefined ? { aircraftType: e.aircraftType } : {}),
          occurredAt: e.occurredAt,
          eventId: e.eventId,
        },
        lastEventAt: later(m.lastEventAt, e.occurredAt),
      };
      continue;
    }
    bookings ??= { ...m.bookings };
    const prev = bookings[e.bookingRef];
    if (prev?.eventIds.includes(e.eventId)) continue;
    const base: BookingLine = prev ?? {
      cabin: e.cabin,
      bookedSeats: 0,
      cancelledSeats: 0,
      updatedAt: e.occurredAt,
      eventIds: [],
    };
    bookings[e.bookingRef] = {
      cabin: e.type === "booking.created" ? e.cabin : base.cabin,
      bookedSeats: base.bookedSeats + (e.type === "booking.created" ? e.seats : 0),
      cancelledSeats: base.cancelledSeats + (e.type === "booking.cancelled" ? e.seats : 0),
      updatedAt: later(base.updatedAt, e.occurredAt),
      eventIds: [...base.eventIds, e.eventId].sort(),
    };
    m = { ...m, bookings, lastEventAt: later(m.lastEventAt, e.occurredAt) };
  }
  return m;
}
