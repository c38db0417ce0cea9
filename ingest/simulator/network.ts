// FlyHigh Airways' network for the simulator: real airports and routes from two hubs (LHR, JFK), with
// the aircraft, frequencies and block times such routes have, so capacities and loads look real.

export interface Aircraft {
  readonly type: string;
  readonly seats: number;
}

export const AIRCRAFT = {
  E190: { type: "E190", seats: 100 },
  A320: { type: "A320", seats: 180 },
  A321: { type: "A321", seats: 220 },
  B789: { type: "B789", seats: 290 },
  A359: { type: "A359", seats: 325 },
  B77W: { type: "B77W", seats: 350 },
  A388: { type: "A388", seats: 470 },
} as const satisfies Record<string, Aircraft>;

export interface RouteSpec {
  readonly origin: string;
  readonly destination: string;
  readonly aircraft: Aircraft;
  /** Departures per day. */
  readonly daily: number;
  /** Block time in minutes. */
  readonly blockMinutes: number;
  /** Relative demand (1 = an average route). */
  readonly demand: number;
  /** Typical one-way economy fare and its currency. */
  readonly fare: number;
  readonly currency: string;
}

// [destination, aircraft, daily, block minutes, demand weight, fare, currency] from the hub; every route
// is flown in both directions.
type Leg = [string, Aircraft, number, number, number, number, string];

const FROM_LHR: Leg[] = [
  ["JFK", AIRCRAFT.A388, 4, 475, 3.0, 520, "GBP"],
  ["LAX", AIRCRAFT.B77W, 2, 660, 1.8, 610, "GBP"],
  ["SFO", AIRCRAFT.B789, 2, 650, 1.4, 590, "GBP"],
  ["DXB", AIRCRAFT.A388, 3, 415, 2.2, 430, "GBP"],
  ["SIN", AIRCRAFT.A359, 2, 790, 1.5, 720, "GBP"],
  ["HKG", AIRCRAFT.B77W, 2, 760, 1.4, 690, "GBP"],
  ["NRT", AIRCRAFT.B789, 1, 800, 1.1, 780, "GBP"],
  ["CDG", AIRCRAFT.A320, 8, 75, 2.4, 110, "EUR"],
  ["FRA", AIRCRAFT.A320, 6, 95, 1.6, 125, "EUR"],
  ["AMS", AIRCRAFT.A320, 6, 80, 1.6, 105, "EUR"],
  ["MAD", AIRCRAFT.A321, 5, 140, 1.5, 140, "EUR"],
  ["BCN", AIRCRAFT.A321, 5, 130, 1.6, 135, "EUR"],
  ["FCO", AIRCRAFT.A321, 4, 155, 1.4, 150, "EUR"],
  ["DUB", AIRCRAFT.A320, 7, 75, 1.5, 95, "EUR"],
  ["EDI", AIRCRAFT.A320, 8, 85, 1.7, 75, "GBP"],
  ["ZRH", AIRCRAFT.A320, 4, 100, 1.0, 160, "CHF"],
  ["CPT", AIRCRAFT.B789, 1, 700, 0.8, 650, "GBP"],
  ["BOM", AIRCRAFT.B789, 2, 560, 1.2, 540, "GBP"],
  ["YYZ", AIRCRAFT.B789, 2, 470, 1.0, 480, "GBP"],
  ["GRU", AIRCRAFT.B77W, 1, 705, 0.8, 690, "GBP"],
];

const FROM_JFK: Leg[] = [
  ["LAX", AIRCRAFT.A321, 8, 380, 2.6, 260, "USD"],
  ["SFO", AIRCRAFT.A321, 6, 395, 2.0, 280, "USD"],
  ["MIA", AIRCRAFT.A321, 6, 190, 1.8, 170, "USD"],
  ["ORD", AIRCRAFT.A320, 7, 155, 1.7, 160, "USD"],
  ["BOS", AIRCRAFT.E190, 8, 75, 1.3, 120, "USD"],
  ["CDG", AIRCRAFT.B77W, 2, 440, 1.5, 540, "USD"],
  ["MEX", AIRCRAFT.B789, 2, 300, 1.0, 330, "USD"],
];

function bothWays(hub: string, legs: Leg[]): RouteSpec[] {
  return legs.flatMap(([dest, aircraft, daily, blockMinutes, demand, fare, currency]) => [
    { origin: hub, destination: dest, aircraft, daily, blockMinutes, demand, fare, currency },
    { origin: dest, destination: hub, aircraft, daily, blockMinutes, demand, fare, currency },
  ]);
}

/** 54 routes: 27 city pairs, both directions. */
export const ROUTES: readonly RouteSpec[] = [...bothWays("LHR", FROM_LHR), ...bothWays("JFK", FROM_JFK)];

export const CARRIER = "FH";

/** Flight numbers: stable per route and departure slot (FH100.. for the first route's first slot). */
export function flightNumberOf(routeIndex: number, slot: number): string {
  return `${CARRIER}${100 + routeIndex * 10 + slot}`;
}

/** Departure minute of day (UTC) of each slot, spread from 06:00 to 22:00. */
export function departureMinutes(route: RouteSpec): number[] {
  if (route.daily === 1) return [10 * 60 + 30];
  const span = 16 * 60;
  return Array.from(
    { length: route.daily },
    (_, i) => 6 * 60 + Math.round((i * span) / (route.daily - 1) / 5) * 5,
  );
}
