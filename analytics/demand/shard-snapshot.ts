// A shard's demand state as of one record: what every stateful operator needs to go on from there, so a
// worker that takes the lease continues exactly where the last owner checkpointed instead of re-reading
// window + cooldown of the shard. Each operator writes its own part when a `snapshot` item passes it and
// reads it back from `shard-started.restored`. The encoding is versioned and carries the options that
// shape the state: a snapshot of another format or of other window options is refused by name, never
// misread.
import type { DemandOptions } from "./demand-options";
import { AnalyticsStateError } from "./errors";
import type { PaneClosed, ShardPosition } from "./stream-items";

/** The layout this build writes and reads. Bump it with any change to a part's shape. */
export const SNAPSHOT_FORMAT = 1;

/** withWatermarks: the shard's event-time clock and the boundary records safe points are chosen from. */
export interface ClockPart {
  readonly maxEventTime: number;
  readonly maxPaneStart: number;
  readonly watermark: number;
  readonly announced: number;
  readonly resumed: boolean;
  readonly lastPosition: ShardPosition | undefined;
  readonly boundaries: readonly { paneEnd: number; position: ShardPosition; before?: ShardPosition }[];
  readonly reported: { paneEnd: number; position: ShardPosition; before?: ShardPosition } | undefined;
}

/** dropDuplicateEvents: the event ids seen, per pane, within its horizon. */
export interface DuplicatesPart {
  readonly newest: number;
  readonly panes: readonly (readonly [paneStart: number, eventIds: readonly string[]])[];
}

/** A pane's running figures (tumblingPanes' accumulator). */
export interface OpenPanePart {
  readonly route: string;
  readonly origin: string;
  readonly destination: string;
  readonly searches: number;
  readonly bookings: number;
  readonly seatsBooked: number;
  readonly cancellations: number;
  readonly seatsCancelled: number;
  readonly revenueMinor: Readonly<Record<string, number>>;
  readonly events: number;
}

/** tumblingPanes: the panes not yet closed. */
export interface PanesPart {
  readonly fenceMs: number;
  readonly open: readonly (readonly [start: number, panes: readonly OpenPanePart[]])[];
}

/** slidingDemand: the closed panes future windows still need, per route. */
export interface WindowsPart {
  readonly fenceMs: number;
  readonly routes: readonly (readonly [
    route: string,
    state: { readonly panes: readonly PaneClosed["pane"][]; readonly lastEnd: number },
  ])[];
}

/** alertCooldown: the last candidate's window end per (route, alert type), and the fence. */
export interface CooldownPart {
  readonly fenceMs: number;
  readonly last: readonly (readonly [key: string, windowEnd: number])[];
}

export interface SnapshotParts {
  clock: ClockPart;
  duplicates: DuplicatesPart;
  panes: PanesPart;
  windows: WindowsPart;
  cooldown: CooldownPart;
}

/** A shard's whole demand state after the record at `position`. */
export interface DemandSnapshot {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly shardId: string;
  /** The last record folded in: a restore continues with the record after it. */
  readonly position: ShardPosition;
  /** The options that shape the state; a restore under others is refused. */
  readonly shape: SnapshotShape;
  readonly parts: SnapshotParts;
}

export type SnapshotShape = Pick<DemandOptions, "paneMs" | "allowedLatenessMs" | "windowMs" | "hopMs"> & {
  readonly cooldownMs: number;
};

export const snapshotShape = (o: DemandOptions): SnapshotShape => ({
  paneMs: o.paneMs,
  allowedLatenessMs: o.allowedLatenessMs,
  windowMs: o.windowMs,
  hopMs: o.hopMs,
  cooldownMs: o.surge.cooldownMs,
});

const PART_NAMES: readonly (keyof SnapshotParts)[] = ["clock", "duplicates", "panes", "windows", "cooldown"];

/**
 * JSON with the infinities the state starts from (a shard with no event yet has watermark −∞): JSON has
 * none, so they travel as tagged strings.
 */
const INFINITIES: Readonly<Record<string, number>> = {
  "#-Infinity": Number.NEGATIVE_INFINITY,
  "#Infinity": Number.POSITIVE_INFINITY,
};

/** State as UTF-8 JSON, infinities included (the snapshot's and the reshard hand-off's encoding). */
export const encodeState = (value: unknown): Buffer =>
  Buffer.from(
    JSON.stringify(value, (_key, v: unknown) =>
      typeof v === "number" && !Number.isFinite(v) ? (Number.isNaN(v) ? "#NaN" : `#${v}`) : v,
    ),
    "utf8",
  );

/** The value encodeState wrote (throws SyntaxError on bytes that are not JSON). */
export const decodeState = (bytes: Uint8Array): unknown =>
  JSON.parse(Buffer.from(bytes).toString("utf8"), (_key, v: unknown) =>
    typeof v === "string" && v in INFINITIES ? INFINITIES[v] : v === "#NaN" ? Number.NaN : v,
  );

/** The snapshot's bytes. Synchronous: the state is read at this instant, not later. */
export const encodeSnapshot = (s: DemandSnapshot): Buffer => encodeState(s);

/**
 * The snapshot in `bytes`, checked against this build's format and the worker's options. Throws
 * AnalyticsStateError naming what does not match.
 */
export function decodeSnapshot(
  bytes: Uint8Array,
  expected: { shardId: string; options: DemandOptions },
): DemandSnapshot {
  let s: DemandSnapshot;
  try {
    s = decodeState(bytes) as DemandSnapshot;
  } catch (e) {
    throw new AnalyticsStateError(
      `the state snapshot of ${expected.shardId} is not valid JSON: ${(e as Error).message}`,
    );
  }
  if (s === null || typeof s !== "object")
    throw new AnalyticsStateError(`the state snapshot of ${expected.shardId} is malformed`);
  if (s.format !== SNAPSHOT_FORMAT)
    throw new AnalyticsStateError(
      `the state snapshot of ${expected.shardId} is in format ${String(s.format)}, and this build reads format ${SNAPSHOT_FORMAT}`,
    );
  if (s.shardId !== expected.shardId)
    throw new AnalyticsStateError(
      `the state snapshot read for ${expected.shardId} belongs to ${String(s.shardId)}`,
    );
  const want = snapshotShape(expected.options);
  for (const [k, v] of Object.entries(want))
    if (s.shape?.[k as keyof SnapshotShape] !== v)
      throw new AnalyticsStateError(
        `the state snapshot of ${expected.shardId} was written with ${k} ${String(s.shape?.[k as keyof SnapshotShape])}, and this worker runs ${k} ${v}: its panes and windows cannot be carried over`,
      );
  if (
    typeof s.position?.sequenceNumber !== "string" ||
    PART_NAMES.some((p) => typeof s.parts?.[p] !== "object")
  )
    throw new AnalyticsStateError(
      `the state snapshot of ${expected.shardId} is malformed (a part is missing)`,
    );
  return s;
}

/** The snapshot of the parts a `snapshot` request collected; every stateful operator must have answered. */
export function completeSnapshot(
  shardId: string,
  position: ShardPosition,
  options: DemandOptions,
  parts: Partial<SnapshotParts>,
): DemandSnapshot {
  const missing = PART_NAMES.filter((p) => parts[p] === undefined);
  if (missing.length > 0)
    throw new AnalyticsStateError(
      `the snapshot of ${shardId} lacks ${missing.join(", ")}: an operator did not answer`,
    );
  return {
    format: SNAPSHOT_FORMAT,
    shardId,
    position,
    shape: snapshotShape(options),
    parts: parts as SnapshotParts,
  };
}
