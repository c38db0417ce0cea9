import { expect } from "chai";
import { TestScheduler } from "rxjs/testing";
// Shared factories for the demand operator specs: events at a given event time, batches, small options
// (10 ms panes) so marble diagrams stay readable, and a collector of outputs keyed for comparison.

import { type DemandOptions, demandOptions } from "../../../../analytics/demand/demand-options";
import type {
  DemandInput,
  DemandItem,
  DemandOutput,
  EventBatch,
  PaneClosed,
  PositionedEvent,
  WindowClosed,
} from "../../../../analytics/demand/stream-items";
import type { FlightEvent } from "../../../../analytics/events";
import {
  bookingCancelled,
  bookingCreated,
  searchPerformed,
} from "../../../../analytics/events/sample-events";

let seq = 0;
const iso = (t: number) => new Date(t).toISOString();

const split = (route: string) => {
  const [origin, destination] = route.split("-") as [string, string];
  return { origin, destination };
};

export const positioned = (event: FlightEvent, t: number, sequenceNumber?: string): PositionedEvent => ({
  position: { sequenceNumber: sequenceNumber ?? String(++seq).padStart(12, "0") },
  eventTimeMs: t,
  event,
});

export const booking = (t: number, route = "LHR-JFK", seats = 2, fare = 100): PositionedEvent =>
  positioned(
    bookingCreated({ ...split(route), occurredAt: iso(t), seats, fare: { amount: fare, currency: "EUR" } }),
    t,
  );

export const search = (t: number, route = "LHR-JFK"): PositionedEvent =>
  positioned(searchPerformed({ ...split(route), occurredAt: iso(t) }), t);

export const cancel = (t: number, route = "LHR-JFK", seats = 1): PositionedEvent =>
  positioned(bookingCancelled({ ...split(route), occurredAt: iso(t), seats }), t);

export const batch = (...events: PositionedEvent[]): EventBatch => ({
  kind: "events",
  shardId: "shard-0",
  events,
});

export const started = (resumed = false): DemandInput => ({
  kind: "shard-started",
  shardId: "shard-0",
  resumed,
});

/** 10 ms panes, 5 ms lateness, 30 ms windows every 10 ms, 20 ms idle timeout checked every 5 ms. */
export const SMALL: DemandOptions = demandOptions({
  paneMs: 10,
  allowedLatenessMs: 5,
  idleTimeoutMs: 20,
  idleCheckMs: 5,
  windowMs: 30,
  hopMs: 10,
  surge: { floorSeats: 6, baselineFactor: 2, baselineAlpha: 0.5, baselineMinSamples: 3, cooldownMs: 30 },
});

/** The pane figures of one 2-seat booking at €100 (the factories' default fare). */
export const ONE_BOOKING = {
  events: 1,
  bookings: 1,
  seatsBooked: 2,
  revenueMinor: { EUR: 10_000 },
  revenueReportingMinor: 10_000,
};

type Pane = PaneClosed["pane"];
type Window = WindowClosed["window"];

const zero = {
  searches: 0,
  bookings: 0,
  seatsBooked: 0,
  cancellations: 0,
  seatsCancelled: 0,
  netSeats: 0,
  revenueMinor: {},
  revenueReportingMinor: 0,
  lookToBook: null,
};

export function paneOf(route: string, start: number, figures: Partial<Pane>, paneMs = 10): PaneClosed {
  const pane = {
    ...zero,
    route,
    ...split(route),
    shardId: "shard-0",
    start,
    end: start + paneMs,
    events: 0,
    ...figures,
  };
  return { kind: "pane", pane: { ...pane, netSeats: pane.seatsBooked - pane.seatsCancelled } };
}

export function windowOf(route: string, end: number, figures: Partial<Window>, windowMs = 30): WindowClosed {
  const window = {
    ...zero,
    route,
    ...split(route),
    shardId: "shard-0",
    start: end - windowMs,
    end,
    panes: 1,
    ...figures,
  };
  return { kind: "window", window: { ...window, netSeats: window.seatsBooked - window.seatsCancelled } };
}

export const ofKind =
  <K extends DemandItem["kind"]>(...kinds: K[]) =>
  (item: DemandItem): item is Extract<DemandItem, { kind: K }> =>
    (kinds as string[]).includes(item.kind);

/** The identity of an output for replay comparisons: outputs with one key must be equal. */
export function outputKey(o: DemandOutput): string | undefined {
  switch (o.kind) {
    case "pane":
      return `pane|${o.pane.route}|${o.pane.start}`;
    case "window":
      return `window|${o.window.route}|${o.window.end}`;
    case "alert":
      return `alert|${o.alert.alertId}`;
    default:
      return undefined;
  }
}

/** A TestScheduler asserting deep equality with chai. */
export const marbleScheduler = (): TestScheduler =>
  new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });

/** The runtime's empty read: the shard is caught up (idle advance may start). */
export const caughtUp: DemandItem = { kind: "caught-up", shardId: "shard-0" };
