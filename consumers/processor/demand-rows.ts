// How demand outputs leave the worker: warehouse rows for panes, windows and alerts (keys match
// sql/redshift/003 and 004, so a replayed output MERGEs onto itself), and alert notices for the SNS sink.
import type { DemandAlert, PaneClosed, WindowClosed } from "../../analytics/demand/stream-items";
import type { FlightAlert, FlightSnapshot } from "../../analytics/rules/flight-rules";
import type { AlertNotice } from "../sinks/alerts/alert-notice";
import type { ManifestChange } from "../sinks/manifests/manifest-sink";
import type { Row } from "../warehouse/data-api";

const iso = (ms: number) => new Date(ms).toISOString();
const money = (minor: number) => minor / 100;

export function paneRow({ pane: p }: PaneClosed): Row {
  return {
    route: p.route,
    shard_id: p.shardId,
    pane_start: iso(p.start),
    pane_end: iso(p.end),
    searches: p.searches,
    bookings: p.bookings,
    seats_booked: p.seatsBooked,
    cancellations: p.cancellations,
    seats_cancelled: p.seatsCancelled,
    net_seats: p.netSeats,
    revenue: money(p.revenueReportingMinor),
    look_to_book: p.lookToBook === null ? null : Math.round(p.lookToBook * 1e6) / 1e6,
  };
}

export function windowRow({ window: w }: WindowClosed): Row {
  return {
    route: w.route,
    shard_id: w.shardId,
    window_start: iso(w.start),
    window_end: iso(w.end),
    searches: w.searches,
    bookings: w.bookings,
    seats_booked: w.seatsBooked,
    revenue: money(w.revenueReportingMinor),
  };
}

export function alertRow(a: AlertNotice): Row {
  return {
    alert_id: a.alertId,
    alert_type: a.alertType,
    severity: a.severity,
    route: a.route,
    flight: a.flight ?? null,
    window_start: iso(a.windowStart),
    window_end: iso(a.windowEnd),
    figures: JSON.stringify(a.figures),
    summary: a.summary,
  };
}

/** What every alert carries to SNS, whichever rule raised it. */
const noticeBase = (a: DemandAlert | FlightAlert) => ({
  alertId: a.alertId,
  alertType: a.alertType,
  severity: a.severity,
  route: a.route,
  origin: a.origin,
  destination: a.destination,
  figures: a.figures,
  summary: a.summary,
});

export function demandNotice(a: DemandAlert): AlertNotice {
  return { ...noticeBase(a), windowStart: a.windowStart, windowEnd: a.windowEnd };
}

/** A flight alert holds for this long (event time): a flight fills or oversells once, not every batch. */
export const FLIGHT_ALERT_COOLDOWN_MS = 7 * 86_400_000;

export function flightNotice(a: FlightAlert): AlertNotice {
  return {
    ...noticeBase(a),
    flight: a.flight,
    windowStart: a.asOfMs,
    windowEnd: a.asOfMs,
    cooldownMs: FLIGHT_ALERT_COOLDOWN_MS,
  };
}

/** What the flight rules judge, from a manifest the batch changed. */
export function flightSnapshot(change: ManifestChange): FlightSnapshot {
  const m = change.manifest;
  const departure = m.schedule?.departureTime;
  return {
    flight: change.flight,
    origin: m.origin,
    destination: m.destination,
    capacity: change.after.capacity,
    departureTimeMs: departure === undefined ? undefined : Date.parse(departure),
    seatsBooked: change.after.seatsBooked,
    asOfMs: Date.parse(m.lastEventAt),
  };
}
