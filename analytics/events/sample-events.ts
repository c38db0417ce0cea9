// Factories of valid events for tests, benchmarks and the simulator's fixtures. Each takes overrides so a
// test states only what it is about.
import type { BookingCancelled, BookingCreated, FlightScheduled, SearchPerformed } from "./schema";

let counter = 0;
const nextId = (prefix: string) => `${prefix}-${(++counter).toString(36).padStart(6, "0")}`;

export function flightScheduled(over: Partial<FlightScheduled> = {}): FlightScheduled {
  return {
    eventId: nextId("fs"),
    type: "flight.scheduled",
    version: 1,
    occurredAt: "2026-11-01T08:00:00Z",
    flightNumber: "FH101",
    departureDate: "2026-12-01",
    origin: "LHR",
    destination: "JFK",
    departureTime: "2026-12-01T10:30:00Z",
    arrivalTime: "2026-12-01T18:45:00Z",
    capacity: 180,
    aircraftType: "A321",
    ...over,
  };
}

export function bookingCreated(over: Partial<BookingCreated> = {}): BookingCreated {
  return {
    eventId: nextId("bc"),
    type: "booking.created",
    version: 1,
    occurredAt: "2026-11-22T14:05:00Z",
    bookingRef: "X7K2QD",
    flightNumber: "FH101",
    departureDate: "2026-12-01",
    origin: "LHR",
    destination: "JFK",
    cabin: "economy",
    seats: 2,
    fare: { amount: 412.5, currency: "GBP" },
    channel: "web",
    ...over,
  };
}

export function bookingCancelled(over: Partial<BookingCancelled> = {}): BookingCancelled {
  return {
    eventId: nextId("bx"),
    type: "booking.cancelled",
    version: 1,
    occurredAt: "2026-11-22T15:10:00Z",
    bookingRef: "X7K2QD",
    flightNumber: "FH101",
    departureDate: "2026-12-01",
    origin: "LHR",
    destination: "JFK",
    cabin: "economy",
    seats: 2,
    refund: { amount: 300, currency: "GBP" },
    ...over,
  };
}

export function searchPerformed(over: Partial<SearchPerformed> = {}): SearchPerformed {
  return {
    eventId: nextId("sp"),
    type: "search.performed",
    version: 1,
    occurredAt: "2026-11-22T14:00:00Z",
    origin: "LHR",
    destination: "JFK",
    departureDate: "2026-12-01",
    passengers: 1,
    cabin: "economy",
    channel: "mobile",
    ...over,
  };
}
