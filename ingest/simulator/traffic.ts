// The traffic simulator's engine: given a seed, a start time and a rate, produces the booking platform's
// events in event-time order: schedules first, then searches (most), bookings and cancellations shaped by
// daily and weekly patterns and by surge scenarios, plus a small share of deliberately bad records.
// Pure and deterministic: the same options give the same records.
import {
  type BookingCreated,
  type CabinClass,
  type FlightEvent,
  type FlightScheduled,
  flightKey,
  routeKey,
} from "../../analytics/events";
import { badRecord } from "./bad-records";
import { departureMinutes, flightNumberOf, ROUTES, type RouteSpec } from "./network";
import { createRandom, type Random } from "./prng";
import { multiplierAt, type SurgeScenario } from "./scenarios";

export type SimRecord =
  | { readonly kind: "event"; readonly event: FlightEvent }
  | {
      readonly kind: "bad";
      readonly data: Uint8Array;
      readonly partitionKey: string;
      readonly defect: string;
    };

export interface SimulatorOptions {
  readonly seed: number;
  /** Simulation start (epoch ms); event times run from here. */
  readonly startTime: number;
  /** Events per simulated second (average; the day and week curves move it ±40%). */
  readonly ratePerSecond: number;
  readonly scenarios?: readonly SurgeScenario[];
  /** Share of records that are deliberately invalid (default 0.01). */
  readonly badRecordShare?: number;
  /** Days of schedule published up front (default 14). */
  readonly scheduleDays?: number;
  readonly routes?: readonly RouteSpec[];
}

interface Flight {
  readonly key: string;
  readonly event: FlightScheduled;
  readonly route: RouteSpec;
  booked: number;
}

interface LiveBooking {
  readonly event: BookingCreated;
  readonly flight: Flight;
}

const DAY = 86_400_000;
const CABINS: readonly [CabinClass, number, number][] = [
  ["economy", 0.8, 1],
  ["premium_economy", 0.08, 1.7],
  ["business", 0.1, 3.8],
  ["first", 0.02, 7],
];
const SEATS: readonly [number, number][] = [
  [1, 0.55],
  [2, 0.3],
  [3, 0.07],
  [4, 0.05],
  [6, 0.02],
  [9, 0.01],
];
const REF_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** Relative demand by UTC hour: quiet at night, peaks at lunch and in the evening. */
const HOUR_CURVE = [
  0.35, 0.25, 0.2, 0.2, 0.3, 0.5, 0.8, 1.0, 1.1, 1.2, 1.25, 1.3, 1.35, 1.3, 1.2, 1.15, 1.2, 1.3, 1.45, 1.55,
  1.5, 1.3, 0.9, 0.6,
];
/** Relative demand by weekday (Sunday first): people book on Sundays and Mondays. */
const WEEK_CURVE = [1.25, 1.2, 1.0, 0.95, 0.95, 0.9, 0.75];

export function demandFactor(epochMs: number): number {
  const d = new Date(epochMs);
  const hour = HOUR_CURVE[d.getUTCHours()] ?? 1;
  const day = WEEK_CURVE[d.getUTCDay()] ?? 1;
  return (hour * day) / 1.02;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class TrafficSimulator {
  private readonly random: Random;
  private readonly routes: readonly RouteSpec[];
  private readonly flightsByRoute = new Map<string, Flight[]>();
  private readonly live: LiveBooking[] = [];
  private readonly badShare: number;
  private cursor: number;
  private carry = 0;
  private counter = 0;
  private scheduled = false;

  constructor(private readonly options: SimulatorOptions) {
    if (!(options.ratePerSecond > 0)) throw new RangeError("ratePerSecond must be positive");
    this.random = createRandom(options.seed);
    this.routes = options.routes ?? ROUTES;
    this.badShare = options.badRecordShare ?? 0.01;
    this.cursor = options.startTime;
    const days = options.scheduleDays ?? 14;
    const firstDay = Math.floor(options.startTime / DAY) * DAY + DAY;
    this.routes.forEach((route, routeIndex) => {
      const flights: Flight[] = [];
      for (let d = 0; d < days; d++) {
        departureMinutes(route).forEach((minute, slot) => {
          const dep = firstDay + d * DAY + minute * 60_000;
          const event: FlightScheduled = {
            eventId: this.nextId("fs"),
            type: "flight.scheduled",
            version: 1,
            occurredAt: iso(options.startTime),
            flightNumber: flightNumberOf(routeIndex, slot),
            departureDate: iso(dep).slice(0, 10),
            origin: route.origin,
            destination: route.destination,
            departureTime: iso(dep),
            arrivalTime: iso(dep + route.blockMinutes * 60_000),
            capacity: route.aircraft.seats,
            aircraftType: route.aircraft.type,
          };
          flights.push({ key: flightKey(event.flightNumber, event.departureDate), event, route, booked: 0 });
        });
      }
      this.flightsByRoute.set(routeKey(route.origin, route.destination), flights);
    });
  }

  /** Event time of the next record to be produced. */
  get now(): number {
    return this.cursor;
  }

  /** Every flight.scheduled event, emitted once before any traffic. */
  schedule(): FlightScheduled[] {
    return [...this.flightsByRoute.values()].flat().map((f) => f.event);
  }

  /** Records with event times in [now, untilMs), including the schedule on the first call. */
  advanceTo(untilMs: number): SimRecord[] {
    const out: SimRecord[] = [];
    if (!this.scheduled) {
      this.scheduled = true;
      for (const event of this.schedule()) out.push({ kind: "event", event });
    }
    if (untilMs <= this.cursor) return out;
    const span = untilMs - this.cursor;
    const expected = (this.options.ratePerSecond * demandFactor(this.cursor) * span) / 1000 + this.carry;
    const count = Math.floor(expected);
    this.carry = expected - count;
    for (let i = 0; i < count; i++) {
      const at = this.cursor + Math.floor(((i + this.random.next()) * span) / count);
      out.push(this.record(at));
    }
    this.cursor = untilMs;
    return out;
  }

  /** Exactly `n` records (plus the schedule on the first call), for replays and tests. */
  take(n: number): SimRecord[] {
    const out: SimRecord[] = [];
    const step = Math.max(1, Math.round(1000 / this.options.ratePerSecond));
    while (out.length < n) out.push(...this.advanceTo(this.cursor + step));
    return out;
  }

  private nextId(prefix: string): string {
    this.counter++;
    return `${prefix}-${this.options.seed.toString(36)}-${this.counter.toString(36).padStart(7, "0")}`;
  }

  private record(at: number): SimRecord {
    const offset = at - this.options.startTime;
    const scenarios = this.options.scenarios ?? [];
    const route = this.random.weighted(
      this.routes,
      (r) => r.demand * multiplierAt(scenarios, routeKey(r.origin, r.destination), offset),
    );
    const key = routeKey(route.origin, route.destination);
    const surging = multiplierAt(scenarios, key, offset) > 1;
    if (this.random.chance(this.badShare)) {
      const defect = badRecord(this.random, this.sampleBooking(route, key, at, surging, false));
      return { kind: "bad", partitionKey: key, ...defect };
    }
    const roll = this.random.next();
    const bookingShare = surging ? 0.3 : 0.11;
    if (roll < 0.03 && this.live.length > 0) return { kind: "event", event: this.cancellation(at) };
    if (roll < 0.03 + bookingShare) {
      const booking = this.sampleBooking(route, key, at, surging);
      if (booking !== undefined) return { kind: "event", event: booking };
    }
    return {
      kind: "event",
      event: {
        eventId: this.nextId("sp"),
        type: "search.performed",
        version: 1,
        occurredAt: iso(at),
        origin: route.origin,
        destination: route.destination,
        departureDate: iso(at + this.random.int(1, 60) * DAY).slice(0, 10),
        passengers: this.random.weighted(SEATS, ([, w]) => w)[0],
        cabin: this.random.weighted(CABINS, ([, w]) => w)[0],
        channel: this.random.weighted(["web", "mobile", "api"] as const, (c) =>
          c === "web" ? 5 : c === "mobile" ? 4 : 1,
        ),
      },
    };
  }

  /** A booking on one of the route's flights; `commit` false leaves the simulator's state untouched. */
  private sampleBooking(
    route: RouteSpec,
    key: string,
    at: number,
    surging: boolean,
    commit = true,
  ): BookingCreated | undefined {
    const flights = (this.flightsByRoute.get(key) ?? []).filter(
      (f) => Date.parse(f.event.departureTime) > at + 3_600_000,
    );
    if (flights.length === 0) return undefined;
    // A surge is about the next few days; ordinary demand spreads over the whole schedule.
    const pool = surging ? flights.slice(0, Math.max(1, route.daily * 3)) : flights;
    const flight = this.random.pick(pool);
    const seats = this.random.weighted(SEATS, ([, w]) => w)[0];
    // Airlines overbook a little; past 105% the flight is closed for sale.
    if (flight.booked + seats > flight.event.capacity * 1.05) return undefined;
    const [cabin, , fareFactor] = this.random.weighted(CABINS, ([, w]) => w);
    const fare =
      Math.round(
        route.fare * fareFactor * (0.7 + this.random.next() * 0.9) * (surging ? 1.4 : 1) * seats * 100,
      ) / 100;
    const event: BookingCreated = {
      eventId: this.nextId("bc"),
      type: "booking.created",
      version: 1,
      occurredAt: iso(at),
      bookingRef: Array.from({ length: 6 }, () => this.random.pick([...REF_CHARS])).join(""),
      flightNumber: flight.event.flightNumber,
      departureDate: flight.event.departureDate,
      origin: route.origin,
      destination: route.destination,
      cabin,
      seats,
      fare: { amount: fare, currency: route.currency as BookingCreated["fare"]["currency"] },
      channel: this.random.weighted(["web", "mobile", "api"] as const, (c) =>
        c === "web" ? 5 : c === "mobile" ? 4 : 1,
      ),
    };
    if (!commit) return event;
    flight.booked += seats;
    this.live.push({ event, flight });
    if (this.live.length > 20_000) this.live.splice(0, this.live.length - 20_000);
    return event;
  }

  private cancellation(at: number): FlightEvent {
    const index = this.random.int(0, this.live.length - 1);
    const [{ event, flight }] = this.live.splice(index, 1) as [LiveBooking];
    flight.booked -= event.seats;
    return {
      eventId: this.nextId("bx"),
      type: "booking.cancelled",
      version: 1,
      occurredAt: iso(at),
      bookingRef: event.bookingRef,
      flightNumber: event.flightNumber,
      departureDate: event.departureDate,
      origin: event.origin,
      destination: event.destination,
      cabin: event.cabin,
      seats: event.seats,
      refund: { amount: Math.round(event.fare.amount * 0.8 * 100) / 100, currency: event.fare.currency },
    };
  }
}
