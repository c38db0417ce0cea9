// The arithmetic of demand figures: folding events into a pane, panes into a window. Revenue is summed in
// integer minor units per currency, so a sum does not depend on the order or grouping of its parts.
import type { FlightEvent } from "../events";
import { type CurrencyTable, toReportingMinor } from "./currency-table";
import type { DemandFigures } from "./stream-items";

export interface FigureAccumulator {
  searches: number;
  bookings: number;
  seatsBooked: number;
  cancellations: number;
  seatsCancelled: number;
  revenueMinor: Record<string, number>;
  events: number;
}

export const emptyAccumulator = (): FigureAccumulator => ({
  searches: 0,
  bookings: 0,
  seatsBooked: 0,
  cancellations: 0,
  seatsCancelled: 0,
  revenueMinor: {},
  events: 0,
});

/** Fare amount in minor units; amounts carry at most cents in practice, rounding absorbs float noise. */
export const toMinor = (amount: number): number => Math.round(amount * 100);

export function addEvent(acc: FigureAccumulator, e: FlightEvent): void {
  acc.events++;
  switch (e.type) {
    case "search.performed":
      acc.searches++;
      return;
    case "booking.created": {
      acc.bookings++;
      acc.seatsBooked += e.seats;
      const c = e.fare.currency;
      acc.revenueMinor[c] = (acc.revenueMinor[c] ?? 0) + toMinor(e.fare.amount);
      return;
    }
    case "booking.cancelled":
      acc.cancellations++;
      acc.seatsCancelled += e.seats;
      return;
    default:
      return;
  }
}

export function addFigures(acc: FigureAccumulator, f: DemandFigures): void {
  acc.searches += f.searches;
  acc.bookings += f.bookings;
  acc.seatsBooked += f.seatsBooked;
  acc.cancellations += f.cancellations;
  acc.seatsCancelled += f.seatsCancelled;
  // for…in over a plain record: no entries array per call (a window sums up to 15 panes, every minute).
  const into = acc.revenueMinor;
  const from = f.revenueMinor;
  for (const c in from) into[c] = (into[c] ?? 0) + (from[c] as number);
}

export function figuresOf(acc: FigureAccumulator, currency: CurrencyTable): DemandFigures {
  const codes = Object.keys(acc.revenueMinor);
  let revenueMinor: Record<string, number> = acc.revenueMinor;
  if (codes.length > 1) {
    // Key order is part of the output (it is serialised): make it independent of arrival order.
    revenueMinor = {};
    for (const c of codes.sort()) revenueMinor[c] = acc.revenueMinor[c] as number;
  }
  return {
    searches: acc.searches,
    bookings: acc.bookings,
    seatsBooked: acc.seatsBooked,
    cancellations: acc.cancellations,
    seatsCancelled: acc.seatsCancelled,
    netSeats: acc.seatsBooked - acc.seatsCancelled,
    revenueMinor,
    revenueReportingMinor: toReportingMinor(revenueMinor, currency),
    lookToBook: acc.searches === 0 ? null : acc.bookings / acc.searches,
  };
}
