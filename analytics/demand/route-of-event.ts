// The route key of a decoded event, on the hot path (one string concat, no allocation beyond it).
import type { FlightEvent } from "../events";

export const routeOfEvent = (e: FlightEvent): string => `${e.origin}-${e.destination}`;
