// The items that flow through the demand pipeline. Input is batches of decoded events per shard (as Kinesis
// delivers them) plus shard lifecycle markers; the operators add watermarks, closed panes, sliding windows,
// alerts and safe points. Batches keep the per-event cost of RxJS off the hot path: an operator handles a
// whole batch in one call.
import type { FlightEvent } from "../events";
import type { CooldownPart, DemandSnapshot, PanesPart, SnapshotParts, WindowsPart } from "./shard-snapshot";

/** Where a record sits in its shard (structurally the KCL ExtendedSequenceNumber). */
export interface ShardPosition {
  readonly sequenceNumber: string;
  readonly subSequenceNumber?: number;
}

export interface PositionedEvent {
  readonly position: ShardPosition;
  readonly eventTimeMs: number;
  readonly event: FlightEvent;
}

/**
 * What a shard that was read to its end (a reshard) hands to its children: its event-time watermark and
 * the event ids of the panes still open under it, so a producer's re-send of a parent's event that lands
 * in a child is recognised, and one older than the watermark is late there as it would have been in the
 * parent; and its per-route state (`routes`), which each child takes for the routes it owns (partition key
 * = route, so each route's later events all go to one child), so a pane or window open at the reshard is
 * finished, and judged, whole. A merge's child takes both parents' (every id and route, the later
 * watermark: see mergeHandoffs).
 */
export interface ShardHandoffState {
  readonly watermarkMs: number;
  readonly panes: readonly { readonly paneStart: number; readonly eventIds: readonly string[] }[];
  /** Absent when the parent closed its panes and windows itself (no hand-off store, or an older build). */
  readonly routes?: RouteStates;
}

/** The per-route part of a shard's state: what a reshard's child continues for the routes it owns. */
export interface RouteStates {
  /** The parent's newest event time (the child's idle advance starts from it). */
  readonly maxEventTime: number;
  readonly fenceMs: number;
  readonly open: PanesPart["open"];
  readonly windows: WindowsPart["routes"];
  /** Keyed `route#alertType`. */
  readonly cooldown: CooldownPart["last"];
}

/** Input: a shard (re)starts. `resumed` when it starts after a checkpoint, so earlier records exist. */
export interface ShardStarted {
  readonly kind: "shard-started";
  readonly shardId: string;
  readonly resumed: boolean;
  /** The parents' hand-off, when the shard is a reshard's child and they left one. */
  readonly inherited?: ShardHandoffState;
  /** The state as of the checkpoint the shard resumes from: every operator continues from its part. */
  readonly restored?: DemandSnapshot;
}

/**
 * Input: read the shard's state now. Each stateful operator fills its part as the item passes it (the
 * pipeline is synchronous, so the parts are of one instant: after the last batch pushed).
 */
export interface SnapshotRequest {
  readonly kind: "snapshot";
  readonly shardId: string;
  readonly parts: Partial<SnapshotParts>;
}

/** Input: one batch of decoded events of one shard, in sequence order. */
export interface EventBatch {
  readonly kind: "events";
  readonly shardId: string;
  readonly events: readonly PositionedEvent[];
}

/** Input: the shard was read to its end (resharding), or its lease is lost or being given up. */
export interface ShardEnded {
  readonly kind: "shard-ended";
  readonly shardId: string;
  /** `shard-end` closes what is open; `lease-lost` and `shutdown` drop it for the next owner to replay. */
  readonly reason: "shard-end" | "lease-lost" | "shutdown";
  /** At `shard-end`: the open state goes to the children (read just before) instead of being closed. */
  readonly handOff?: boolean;
  /** The shard's watermark as it ended (set by the watermark operator on the way through). */
  readonly watermarkMs?: number;
}

/** Output at `shard-end`: the state the shard's children start from (written before SHARD_END). */
export interface ShardHandoff {
  readonly kind: "shard-handoff";
  readonly shardId: string;
  readonly state: ShardHandoffState;
}

/**
 * Input: the runtime delivered an empty read, so the shard has nothing more for now. Only a shard that
 * is caught up is idle: one whose processor is held by a failing sink receives nothing either, but its
 * records are waiting, and advancing its watermark by processing time would make them late.
 */
export interface CaughtUp {
  readonly kind: "caught-up";
  readonly shardId: string;
}

export type DemandInput = ShardStarted | EventBatch | ShardEnded | SnapshotRequest | CaughtUp;

/** The shard's event-time watermark advanced: no more on-time events older than `watermarkMs`. */
export interface WatermarkAdvanced {
  readonly kind: "watermark";
  readonly shardId: string;
  readonly watermarkMs: number;
  /** True when it advanced by processing time because the shard was idle. */
  readonly idle: boolean;
}

/**
 * After a resume, outputs built from data older than `fenceMs` are incomplete (the records before the
 * checkpoint are not re-read), and were emitted before the checkpoint; operators suppress them.
 */
export interface ResumeFence {
  readonly kind: "resume-fence";
  readonly shardId: string;
  readonly fenceMs: number;
}

/** An event whose pane had already closed: it still reaches the facts sink, never a pane. */
export interface LateEvent {
  readonly kind: "late";
  readonly shardId: string;
  readonly route: string;
  readonly paneStart: number;
  readonly watermarkMs: number;
  readonly event: PositionedEvent;
}

/** The lowest position the shard's open state still needs; checkpointing at `checkpointAt` is safe. */
export interface SafePoint {
  readonly kind: "safe-point";
  readonly shardId: string;
  /** The record just before the first needed one: what to pass to checkpoint(). */
  readonly checkpointAt: ShardPosition;
  readonly firstNeeded: ShardPosition;
}

/** Figures shared by panes and windows. Revenue in minor units (cents) so sums are exact. */
export interface DemandFigures {
  readonly searches: number;
  readonly bookings: number;
  readonly seatsBooked: number;
  readonly cancellations: number;
  readonly seatsCancelled: number;
  /** seatsBooked − seatsCancelled. */
  readonly netSeats: number;
  /** Booked fare revenue per fare currency, minor units (amount × 100, rounded). */
  readonly revenueMinor: Readonly<Record<string, number>>;
  /** Booked fare revenue converted to the reporting currency, minor units. */
  readonly revenueReportingMinor: number;
  /** bookings ÷ searches, or null without searches. */
  readonly lookToBook: number | null;
}

export interface RouteInterval {
  readonly route: string;
  readonly origin: string;
  readonly destination: string;
  readonly shardId: string;
  readonly start: number;
  readonly end: number;
}

export interface PaneClosed {
  readonly kind: "pane";
  readonly pane: RouteInterval & DemandFigures & { readonly events: number };
}

export interface WindowClosed {
  readonly kind: "window";
  readonly window: RouteInterval & DemandFigures & { readonly panes: number };
}

export type DemandAlertType = "demand_surge";

export interface DemandAlert {
  readonly alertId: string;
  readonly alertType: DemandAlertType;
  readonly severity: "warning" | "critical";
  readonly route: string;
  readonly origin: string;
  readonly destination: string;
  readonly shardId: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly figures: Readonly<Record<string, number>>;
  readonly summary: string;
}

export interface AlertRaised {
  readonly kind: "alert";
  readonly alert: DemandAlert;
}

/** A rule held for a window; the cooldown operator turns candidates into alerts. */
export interface AlertCandidate {
  readonly kind: "alert-candidate";
  readonly alert: DemandAlert;
}

export type DemandItem =
  | DemandInput
  | WatermarkAdvanced
  | ResumeFence
  | LateEvent
  | SafePoint
  | PaneClosed
  | WindowClosed
  | AlertCandidate
  | AlertRaised
  | ShardHandoff;

/** What the pipeline emits to its consumer. */
export type DemandOutput =
  | WatermarkAdvanced
  | LateEvent
  | SafePoint
  | PaneClosed
  | WindowClosed
  | AlertRaised
  | ResumeFence
  | ShardHandoff;
