// Route and flight keys. The route key is the Kinesis partition key, so every event of a route (and of
// its flights) lands on one shard, in order.
import type { FlightEvent } from "./schema";

/** "LHR-JFK": directional, origin first. */
export function routeKey(origin: string, destination: string): string {
  return `${origin}-${destination}`;
}

/** "FH123:2026-11-22": a flight number is reused every day; the operating date makes it one flight. */
export function flightKey(flightNumber: string, departureDate: string): string {
  return `${flightNumber}:${departureDate}`;
}

export function routeOf(event: FlightEvent): string {
  return routeKey(event.origin, event.destination);
}

/** The flight an event concerns, or undefined for searches (which concern a route and date only). */
export function flightOf(event: FlightEvent): string | undefined {
  return event.type === "search.performed" ? undefined : flightKey(event.flightNumber, event.departureDate);
}

/** Partition key for Kinesis: the route. */
export const partitionKeyOf = routeOf;
