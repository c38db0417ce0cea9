// fast-check arbitraries shared by the demand pipeline's properties: event streams on a few routes (in
// event-time order, or out of order by up to a given delay) and producer re-sends inserted into them.
import fc from "fast-check";
import type { PositionedEvent } from "../../../../analytics/demand/stream-items";
import { booking, cancel, search } from "./demand-factories";

export function eventsArb(o: {
  readonly routes: readonly string[];
  /** Out of order by up to this many ms (0: in event-time order). */
  readonly maxDelay: number;
  readonly minLength: number;
  readonly maxLength: number;
}): fc.Arbitrary<PositionedEvent[]> {
  return fc
    .array(
      fc.record({
        route: fc.constantFrom(...o.routes),
        advance: fc.integer({ min: 0, max: 4 }),
        delay: fc.integer({ min: 0, max: o.maxDelay }),
        kind: fc.constantFrom("booking", "booking", "search", "cancel"),
        seats: fc.integer({ min: 1, max: 4 }),
      }),
      { minLength: o.minLength, maxLength: o.maxLength, size: "max" },
    )
    .map((specs) => {
      let clock = 1_000;
      return specs.map((s) => {
        clock += s.advance;
        const t = clock - s.delay;
        return s.kind === "booking"
          ? booking(t, s.route, s.seats)
          : s.kind === "search"
            ? search(t, s.route)
            : cancel(t, s.route);
      });
    });
}

/**
 * Producer re-sends: copies of earlier events (same eventId and time, a new position) inserted 1 to 60
 * records after their first copy, so some land in the same batch, some panes later, some after the
 * first copy's pane closed.
 */
export const resendsArb = (minLength = 0) =>
  fc.array(fc.record({ which: fc.nat(), distance: fc.integer({ min: 1, max: 60 }) }), {
    minLength,
    maxLength: 40,
  });

export function withResends(
  events: readonly PositionedEvent[],
  resends: readonly { which: number; distance: number }[],
): PositionedEvent[] {
  const out = [...events];
  resends.forEach(({ which, distance }, k) => {
    const original = events[which % events.length] as PositionedEvent;
    out.splice(Math.min(out.indexOf(original) + distance, out.length), 0, {
      ...original,
      position: { sequenceNumber: `${original.position.sequenceNumber}-resent-${k}` },
    });
  });
  return out;
}
