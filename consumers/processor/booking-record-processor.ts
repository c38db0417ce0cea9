// The worker's record processor: decode → analytics → sinks. Valid events update seat manifests (one
// conditional write per touched flight per batch, or per checkpoint when the sink holds them), feed the
// per-shard demand pipeline (panes, windows, surge alerts) and become warehouse facts; changed manifests
// are judged by the flight rules; invalid records go to the rejected-events sink with their reason. Alerts
// go through the SNS sink (de-duplicated across failover). A failing sink holds its shard: the batch is
// retried with capped backoff and jitter until the sink recovers (or the lease goes), the shard's
// checkpoint stays where it was, one operations alert says so, and nothing more is read meanwhile (the
// runtime fetches at most maxPendingBatches ahead). A checkpoint covers only what every sink has made
// durable (manifests, warehouse and baselines flushed first). With a snapshot store, the shard's demand
// state is written first and the checkpoint goes to the end of the last batch, so the next owner restores
// the state and re-reads at most one checkpoint interval; without one (or when a snapshot cannot be
// stored) the checkpoint never passes the analytics' safe point, from which a replay rebuilds the state.
import { AnalyticsStateError } from "../../analytics/demand/errors";
import { handoffFor, mergeHandoffs } from "../../analytics/demand/shard-handoff";
import { type DemandSnapshot, decodeSnapshot } from "../../analytics/demand/shard-snapshot";
import { getOrCreate } from "../../analytics/demand/stateful-operator";
import type { DemandOutput, PositionedEvent, ShardHandoffState } from "../../analytics/demand/stream-items";
import type { FlightEvent } from "../../analytics/events";
import { decodeRecord } from "../../analytics/events/decoder";
import { flightKey, routeOf } from "../../analytics/events/keys";
import { evaluateFlight, type FlightRuleOptions } from "../../analytics/rules/flight-rules";
import { type ExtendedSequenceNumber, isSentinel } from "../kcl/lease";
import type { RecordProcessor } from "../kcl/record-processor";
import type { UserRecord } from "../kcl/retrieval/kpl-aggregation";
import type { Logger } from "../observability/logger";
import type { AlertNotice } from "../sinks/alerts/alert-notice";
import type { AlertSink } from "../sinks/alerts/alert-sink";
import type { ManifestInput, ManifestSink } from "../sinks/manifests/manifest-sink";
import type { RejectedEventsSink, RejectedRecord } from "../sinks/rejected/rejected-record";
import type { Row } from "../warehouse/data-api";
import type { WarehouseLoader } from "../warehouse/loader";
import { alertRow, demandNotice, flightNotice, flightSnapshot, paneRow, windowRow } from "./demand-rows";
import { DemandStage, type DemandStageOptions } from "./demand-stage";
import { ShardStoppedError } from "./errors";
import { type HashKeyRange, routeOwner } from "./route-ownership";
import { type ShardHandoffStore, ShardHandoffTooLargeError } from "./shard-handoff-store";
import {
  ShardSnapshotError,
  ShardSnapshotFencedError,
  type ShardSnapshotStore,
  ShardSnapshotTooLargeError,
} from "./shard-snapshot-store";

export interface ProcessorDeps {
  readonly manifests: ManifestSink;
  readonly rejected: RejectedEventsSink;
  readonly warehouse?: WarehouseLoader;
  /** Windowed demand and surge detection; without it the processor checkpoints after each flush. */
  readonly demand?: DemandStageOptions;
  /** Where a reshard's parent leaves its demand state for its children (without it they start afresh). */
  readonly handoffs?: ShardHandoffStore;
  /**
   * Where the shard's demand state is written at each checkpoint for the next owner of its lease (without
   * it the checkpoint stays at the safe point, window + cooldown behind, and a new owner replays from there).
   */
  readonly snapshots?: ShardSnapshotStore;
  /** Flight rules judged on changed manifests (load factor far from departure, oversold). */
  readonly flightRules?: FlightRuleOptions;
  /** Where demand and flight alerts go (SNS, de-duplicated across failover). */
  readonly alerts?: AlertSink;
  readonly log: Logger;
  /** Checkpoint at most this often (default 10 s); replays from an older checkpoint are harmless. */
  readonly checkpointIntervalMs?: number;
  /** Failed attempts before a failing sink raises its operations alert (default 6; at once if not retryable). */
  readonly maxAttempts?: number;
  /** Longest pause between attempts while a sink keeps failing (default 30 s). */
  readonly maxBackoffMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly operationsAlert?: (subject: string, message: string) => Promise<void>;
  readonly counters?: ProcessorCounters;
}

export interface ProcessorCounters {
  events: number;
  rejected: number;
  sinkErrors: number;
  late?: number;
  /** Producer duplicates (a repeated eventId) dropped before the panes. */
  duplicates?: number;
  panes?: number;
  alertsSent?: number;
  alertsSuppressed?: number;
  /** Bytes of each shard's last state snapshot written (the dashboard's state size). */
  stateBytes?: Record<string, number>;
}

/** Anything but the start of the shard means earlier records exist that this run will not see. */
const RESUMED_FROM = (p: ExtendedSequenceNumber) => p.sequenceNumber !== "TRIM_HORIZON";

/** Appends rows to a batch's rows of `table` (in place: a batch can hold ten thousand). */
const addRows = (facts: Map<string, Row[]>, table: string, rows: readonly Row[]) => {
  getOrCreate(facts, table, () => []).push(...rows);
};

const isRetryable = (e: unknown) => (e as { retryable?: unknown }).retryable !== false;

/** A batch's records decoded and sorted into what each stage takes. */
interface SortedRecords {
  readonly manifestInputs: ManifestInput[];
  readonly positioned: PositionedEvent[];
  readonly rejects: RejectedRecord[];
  readonly facts: Map<string, Row[]>;
}

/**
 * Decodes a batch's records and sorts them for the manifests, the analytics, the rejected sink and the
 * warehouse. A function of its own rather than a loop inside processRecords: V8 compiled that async method
 * (the loop hot, the code after it run once a batch and short of type feedback) up to 16 times in one
 * drain, 20–180 ms of compiler time each, and ran part of each batch unoptimised until the next recompile.
 */
function sortRecords(records: readonly UserRecord[], shardId: string): SortedRecords {
  const manifestInputs: ManifestInput[] = [];
  const positioned: PositionedEvent[] = [];
  const rejects: RejectedRecord[] = [];
  const facts = new Map<string, Row[]>();
  for (const r of records) {
    const decoded = decodeRecord(r.data);
    if (!decoded.ok) {
      rejects.push({
        ...decoded.rejection,
        shardId,
        sequenceNumber: r.sequenceNumber,
        subSequenceNumber: r.subSequenceNumber,
        partitionKey: r.partitionKey,
      });
      continue;
    }
    manifestInputs.push({
      event: decoded.event,
      shardId,
      sequenceNumber: r.sequenceNumber,
      subSequenceNumber: r.subSequenceNumber,
    });
    positioned.push({
      position: { sequenceNumber: r.sequenceNumber, subSequenceNumber: r.subSequenceNumber },
      eventTimeMs: decoded.eventTimeMs,
      event: decoded.event,
    });
    for (const [table, row] of factRows(decoded.event, shardId, r.sequenceNumber))
      addRows(facts, table, [row]);
  }
  return { manifestInputs, positioned, rejects, facts };
}

/** Warehouse rows for the facts an event carries. */
export function factRows(
  event: FlightEvent,
  shardId: string,
  sequenceNumber: string,
): [table: string, row: Row][] {
  const base = { route: routeOf(event), shard_id: shardId, sequence_number: sequenceNumber };
  switch (event.type) {
    case "booking.created":
      return [
        [
          "booking_facts",
          {
            event_id: event.eventId,
            booking_ref: event.bookingRef,
            flight: flightKey(event.flightNumber, event.departureDate),
            cabin: event.cabin,
            seats: event.seats,
            fare_amount: event.fare.amount,
            fare_currency: event.fare.currency,
            channel: event.channel,
            occurred_at: event.occurredAt,
            ...base,
          },
        ],
      ];
    case "booking.cancelled":
      return [
        [
          "cancellation_facts",
          {
            event_id: event.eventId,
            booking_ref: event.bookingRef,
            flight: flightKey(event.flightNumber, event.departureDate),
            cabin: event.cabin,
            seats: event.seats,
            refund_amount: event.refund?.amount ?? null,
            refund_currency: event.refund?.currency ?? null,
            occurred_at: event.occurredAt,
            ...base,
          },
        ],
      ];
    case "flight.scheduled":
      return [
        [
          "flights",
          {
            flight: flightKey(event.flightNumber, event.departureDate),
            flight_number: event.flightNumber,
            departure_date: event.departureDate,
            route: base.route,
            departure_time: event.departureTime,
            arrival_time: event.arrivalTime,
            capacity: event.capacity,
            aircraft_type: event.aircraftType ?? null,
            event_id: event.eventId,
            occurred_at: event.occurredAt,
          },
        ],
      ];
    case "search.performed":
      return [
        [
          "search_facts",
          {
            event_id: event.eventId,
            route: base.route,
            departure_date: event.departureDate,
            passengers: event.passengers,
            cabin: event.cabin,
            channel: event.channel,
            occurred_at: event.occurredAt,
            shard_id: shardId,
            sequence_number: sequenceNumber,
          },
        ],
      ];
  }
}

/** The warehouse row of a rejected record (raw bytes in base64, cut to what a VARCHAR(65535) holds). */
export function rejectedRow(r: RejectedRecord, now: number): Row {
  const b64 = Buffer.from(r.raw).toString("base64");
  const truncated = b64.length > MAX_RAW_BASE64;
  return {
    shard_id: r.shardId,
    sequence_number: r.sequenceNumber,
    sub_sequence: r.subSequenceNumber ?? 0,
    code: r.code,
    reason: r.reason.slice(0, 1024),
    path: r.path.slice(0, 256),
    raw_base64: truncated ? b64.slice(0, MAX_RAW_BASE64) : b64,
    raw_bytes: r.raw.byteLength,
    raw_truncated: truncated,
    rejected_at: new Date(now).toISOString(),
  };
}

const MAX_RAW_BASE64 = 65_532;

export class BookingRecordProcessor implements RecordProcessor {
  private shardId = "";
  private lastCheckpointAt = 0;
  private log: Logger;
  private readonly now: () => number;
  private demand: DemandStage | undefined;
  /** The batch being processed, for log lines (which records a failure concerns). */
  private batch: { firstSequenceNumber?: string; lastSequenceNumber?: string } = {};
  /** Aborted by the runtime when the lease is lost or the worker shuts down: a blocked retry ends. */
  private signal: AbortSignal | undefined;
  private stopping: Promise<void> = new Promise<void>(() => {});
  private shuttingDown = false;
  /** What the demand pipeline hands this shard's children when it is read to its end. */
  private handoff: ShardHandoffState | undefined;
  /** The lease counter this processor's snapshot writes are fenced by; undefined: no snapshots. */
  private fence: number | undefined;
  /** The last record of the last batch: where a checkpoint with a snapshot goes. */
  private position: ExtendedSequenceNumber | undefined;
  /** The lease's checkpoint as last accepted (its snapshot is kept until the next is accepted). */
  private checkpointed: ExtendedSequenceNumber = { sequenceNumber: "TRIM_HORIZON", subSequenceNumber: 0 };
  private snapshotRefusalAlerted = false;
  /** A batch was given up half-way (its outputs not all staged): no state of this run may be written. */
  private batchInFlight = false;

  constructor(private readonly d: ProcessorDeps) {
    this.log = d.log;
    this.now = d.now ?? Date.now;
  }

  /**
   * Runs a sink operation until it succeeds. While it fails the shard holds its checkpoint; after
   * `maxAttempts` failures (at once for a non-retryable error) one operations alert goes out for the whole
   * outage. Ends early only when the lease is lost or the worker shuts down (`signal`); during the
   * shutdown's own flush, which has a deadline, it gives up after `maxAttempts` (the next owner re-reads).
   */
  private async retry<T>(what: string, op: () => Promise<T>): Promise<T> {
    const bounded = this.shuttingDown;
    const max = this.d.maxAttempts ?? 6;
    const sleep = this.d.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const started = this.now();
    let alerted = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await op();
        if (alerted)
          this.log.info(`${what} recovered; the shard goes on`, {
            attempts: attempt,
            blockedMs: this.now() - started,
          });
        return result;
      } catch (e) {
        if (this.d.counters !== undefined) this.d.counters.sinkErrors++;
        const giveUp = bounded && attempt >= max;
        if (!alerted && (giveUp || attempt >= max || !isRetryable(e))) {
          alerted = true;
          this.log.error(
            giveUp
              ? `${what} failed; the shard stops without checkpointing past this batch`
              : `${what} keeps failing; the shard holds its checkpoint and retries until it recovers`,
            { err: e, attempts: attempt, ...this.batch },
          );
          await this.d
            .operationsAlert?.(`flightpulse: ${what} failing on ${this.shardId}`, (e as Error).message)
            .catch(() => {});
        }
        if (giveUp) throw e;
        const delay = Math.floor(Math.random() * Math.min(this.d.maxBackoffMs ?? 30_000, 100 * 2 ** attempt));
        if (!alerted)
          this.log.warn(`${what} failed, retrying`, { attempt, delayMs: delay, err: e, ...this.batch });
        await (bounded ? sleep(delay) : Promise.race([sleep(delay), this.stopping]));
        if (!bounded && this.signal?.aborted === true)
          throw new ShardStoppedError(`${what} given up on ${this.shardId}: ${String(this.signal.reason)}`);
      }
    }
  }

  async initialize(input: {
    shardId: string;
    startingPosition: ExtendedSequenceNumber;
    parentShardIds?: readonly string[];
    leaseCounter?: number;
    hashKeyRange?: HashKeyRange;
  }): Promise<void> {
    this.shardId = input.shardId;
    this.log = this.d.log.child({ shardId: input.shardId });
    this.log.debug("initialized", {
      from: input.startingPosition.sequenceNumber,
      leaseCounter: input.leaseCounter,
    });
    this.lastCheckpointAt = this.now();
    this.checkpointed = input.startingPosition;
    if (this.d.demand !== undefined) {
      const restored = await this.restore(input.startingPosition, input.leaseCounter);
      this.demand = new DemandStage(
        input.shardId,
        RESUMED_FROM(input.startingPosition),
        {
          ...this.d.demand,
          onDuplicate: () => {
            const c = this.d.counters;
            if (c !== undefined) c.duplicates = (c.duplicates ?? 0) + 1;
          },
        },
        // A restored state already holds what the parents handed off.
        restored === undefined
          ? await this.inherited(input.parentShardIds ?? [], input.hashKeyRange)
          : undefined,
        restored,
      );
    }
  }

  /**
   * Claims the shard's snapshots for this lease and reads the state of the checkpoint it resumes from.
   * Undefined when there is none to read (a fresh shard, a checkpoint written without one): the shard
   * then resumes by replay from the checkpoint, as without snapshots.
   */
  private async restore(
    start: ExtendedSequenceNumber,
    leaseCounter: number | undefined,
  ): Promise<DemandSnapshot | undefined> {
    const store = this.d.snapshots;
    const options = this.d.demand?.options;
    if (store === undefined || options === undefined || leaseCounter === undefined) return undefined;
    const claimed = await this.retry("state snapshot claim", async () => {
      try {
        await store.claim(this.shardId, leaseCounter);
        return true;
      } catch (e) {
        if (e instanceof ShardSnapshotFencedError) return false;
        throw e;
      }
    });
    if (!claimed) {
      // The lease is already someone else's (the runtime learns it at the next renewal), or the lease
      // table was re-created and its counters started again.
      this.log.warn(
        "a later lease counter claimed the shard: no state is written from here (if the lease table was re-created, delete the shard's snapshot# items in the shard-state table)",
        { leaseCounter },
      );
      return undefined;
    }
    this.fence = leaseCounter;
    if (isSentinel(start.sequenceNumber)) return undefined;
    const found = await this.retry("state snapshot read", async () => {
      try {
        return await store.load(this.shardId, start);
      } catch (e) {
        if (e instanceof ShardSnapshotError && !e.retryable) return { refused: e };
        throw e;
      }
    });
    if ("missing" in found) {
      this.log.warn("no state snapshot at the checkpoint: resuming by replay from it", {
        reason: found.missing,
      });
      return undefined;
    }
    try {
      if ("refused" in found) throw found.refused;
      const snapshot = decodeSnapshot(found.bytes, { shardId: this.shardId, options });
      this.log.info("restored the demand state of the checkpoint", {
        position: start.sequenceNumber,
        bytes: found.bytes.length,
        writtenAt: found.writtenAt,
      });
      this.recordStateBytes(found.bytes.length);
      return snapshot;
    } catch (e) {
      if (!(e instanceof AnalyticsStateError || e instanceof ShardSnapshotError)) throw e;
      // Refused, never misread: windows reaching back before the checkpoint are not emitted again.
      this.log.error("state snapshot refused: resuming by replay from the checkpoint", { err: e });
      await this.d
        .operationsAlert?.(`flightpulse: state snapshot of ${this.shardId} refused`, e.message)
        .catch(() => {});
      return undefined;
    }
  }

  private recordStateBytes(bytes: number): void {
    const c = this.d.counters;
    if (c !== undefined) c.stateBytes = { ...c.stateBytes, [this.shardId]: bytes };
  }

  /** The parents' hand-offs, merged; a parent that left none (an older build ended it) is logged. */
  private async inherited(
    parents: readonly string[],
    range: HashKeyRange | undefined,
  ): Promise<ShardHandoffState | undefined> {
    const store = this.d.handoffs;
    if (store === undefined || this.d.demand === undefined || parents.length === 0) return undefined;
    const states: ShardHandoffState[] = [];
    for (const parent of parents) {
      const state = await this.retry("shard hand-off read", () => store.load(parent));
      if (state === undefined)
        this.log.warn("no hand-off from the parent shard: re-sends of its last events may count twice", {
          parent,
        });
      else states.push(state);
    }
    const all = mergeHandoffs(states);
    if (all === undefined) return undefined;
    // The routes' open state goes to the child that owns each route; without its hash key range (a lease
    // written without one) this child cannot tell which, and takes none rather than a route twice.
    if (all.routes !== undefined && range === undefined)
      this.log.error(
        "no hash key range on the lease: the parents' open panes and windows are not taken over",
        {
          parents,
        },
      );
    const merged = range === undefined ? { ...all, routes: undefined } : handoffFor(all, routeOwner(range));
    this.log.info("started from the parents' hand-off", {
      parents,
      watermarkMs: merged.watermarkMs,
      ids: merged.panes.reduce((n, p) => n + p.eventIds.length, 0),
      routes: merged.routes?.windows.length ?? 0,
    });
    return merged;
  }

  async processRecords(input: {
    records: readonly UserRecord[];
    checkpointer: { checkpoint(position?: ExtendedSequenceNumber): Promise<boolean> };
    signal?: AbortSignal;
  }): Promise<void> {
    if (input.signal !== undefined && input.signal !== this.signal) {
      const signal = input.signal;
      this.signal = signal;
      this.stopping = new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener("abort", () => resolve(), { once: true });
      });
    }
    this.batch = {
      firstSequenceNumber: input.records[0]?.sequenceNumber,
      lastSequenceNumber: input.records[input.records.length - 1]?.sequenceNumber,
    };
    const { manifestInputs, positioned, rejects, facts } = sortRecords(input.records, this.shardId);
    const [changes] = await Promise.all([
      // Every touched flight, replays included: a crash between a manifest write and its alert's publish
      // must not lose the alert (the sink's de-duplication keeps it to one).
      this.retry("manifest update", () =>
        this.d.manifests.apply(manifestInputs, { touched: this.d.flightRules !== undefined }),
      ),
      rejects.length > 0
        ? this.retry("rejected-events write", () => this.d.rejected.put(rejects))
        : undefined,
    ]);
    if (rejects.length > 0)
      addRows(
        facts,
        "rejected_events",
        rejects.map((r) => rejectedRow(r, this.now())),
      );
    const notices: AlertNotice[] = [];
    if (this.d.flightRules !== undefined)
      for (const change of changes)
        for (const a of evaluateFlight(flightSnapshot(change), this.d.flightRules))
          notices.push(flightNotice(a));
    if (input.records.length === 0) this.demand?.caughtUp();
    // From here until the batch's outputs are staged, the demand state is ahead of what the sinks hold.
    this.batchInFlight = true;
    if (this.demand !== undefined) {
      await this.retry("baseline read", () => (this.demand as DemandStage).push(positioned));
      this.collect(this.demand.take(), facts, notices);
    }
    await this.sendAlerts(notices, facts);
    await this.stage(facts);
    this.batchInFlight = false;
    const last = input.records[input.records.length - 1];
    if (last !== undefined) {
      this.position = { sequenceNumber: last.sequenceNumber, subSequenceNumber: last.subSequenceNumber ?? 0 };
      // What a crash would make the next owner re-read: the batches after the last "checkpointed".
      this.log.debug("batch processed", { records: input.records.length, last: last.sequenceNumber });
    }
    if (this.d.counters !== undefined) {
      this.d.counters.events += manifestInputs.length;
      this.d.counters.rejected += rejects.length;
    }
    if (rejects.length > 0)
      this.log.info("records rejected", {
        count: rejects.length,
        first: rejects[0]?.reason,
        sequenceNumber: rejects[0]?.sequenceNumber,
      });
    if (this.now() - this.lastCheckpointAt >= (this.d.checkpointIntervalMs ?? 10_000))
      await this.checkpoint(input.checkpointer);
  }

  /** Sorts the pipeline's outputs into warehouse rows and alert notices. */
  private collect(outputs: readonly DemandOutput[], facts: Map<string, Row[]>, notices: AlertNotice[]): void {
    const c = this.d.counters;
    for (const o of outputs) {
      if (o.kind === "pane") {
        addRows(facts, "route_panes", [paneRow(o)]);
        if (c !== undefined) c.panes = (c.panes ?? 0) + 1;
      } else if (o.kind === "window") addRows(facts, "route_windows", [windowRow(o)]);
      else if (o.kind === "alert") notices.push(demandNotice(o.alert));
      else if (o.kind === "late" && c !== undefined) c.late = (c.late ?? 0) + 1;
      else if (o.kind === "shard-handoff") this.handoff = o.state;
    }
  }

  /** Sends the alerts; the warehouse's `alerts` table gets those that happened (sent now or before). */
  private async sendAlerts(notices: readonly AlertNotice[], facts: Map<string, Row[]>): Promise<void> {
    if (notices.length === 0) return;
    const sink = this.d.alerts;
    if (sink === undefined) {
      addRows(facts, "alerts", notices.map(alertRow));
      return;
    }
    const result = await this.retry("alert publish", () => sink.send(notices));
    const c = this.d.counters;
    if (c !== undefined) {
      c.alertsSent = (c.alertsSent ?? 0) + result.sent.length;
      c.alertsSuppressed = (c.alertsSuppressed ?? 0) + result.suppressed.length;
    }
    for (const id of result.sent) this.log.info("alert sent", { alertId: id });
    if (result.suppressed.length > 0 || result.alreadySent.length > 0)
      this.log.debug("alerts not sent again", {
        suppressed: result.suppressed,
        alreadySent: result.alreadySent,
      });
    // An alert in another's cooldown (a replay after failover can judge a later window a new surge) did
    // not happen; one sent before did, and its row may not have reached the warehouse then.
    const happened = new Set([...result.sent, ...result.alreadySent]);
    addRows(facts, "alerts", notices.filter((n) => happened.has(n.alertId)).map(alertRow));
  }

  /** Hands a batch's rows to the warehouse loader (which makes them durable at the next flush). */
  private async stage(facts: ReadonlyMap<string, Row[]>): Promise<void> {
    const warehouse = this.d.warehouse;
    if (warehouse === undefined) return;
    for (const [table, rows] of facts) {
      try {
        await warehouse.add(table, rows);
      } catch {
        // The rows are buffered; the buffer is past its bound because the warehouse refuses them. Hold
        // the shard until a flush gets through: memory stays at the loader's bound.
        await this.retry("warehouse flush", () => warehouse.flush());
      }
    }
  }

  /**
   * Makes what the sinks buffer for this shard durable: the manifests its events changed, the warehouse's
   * rows (the loader's buffer is shared and flushed whole: one MERGE per table for every shard's rows), the
   * baselines.
   */
  private async flushSinks(): Promise<void> {
    const warehouse = this.d.warehouse;
    // Different stores: side by side.
    await Promise.all([
      this.retry("manifest write", () => this.d.manifests.flush(this.shardId)),
      warehouse !== undefined ? this.retry("warehouse flush", () => warehouse.flush()) : undefined,
    ]);
    const baselines = this.d.demand?.baselines;
    if (baselines?.flush !== undefined) await this.retry("baseline write", () => baselines.flush!());
  }

  private async checkpoint(
    checkpointer: { checkpoint(position?: ExtendedSequenceNumber): Promise<boolean> },
    end = false,
  ): Promise<void> {
    const { demand, fence, position } = this;
    const withState = !end && !this.batchInFlight && demand !== undefined;
    if (withState && fence !== undefined && position !== undefined)
      if (await this.checkpointWithSnapshot(checkpointer, demand, fence, position)) return;
    await this.flushSinks();
    let ok: boolean;
    if (end || this.demand === undefined) ok = await checkpointer.checkpoint();
    else {
      // Never past what the analytics can rebuild: a restart replays from here.
      const safe = this.demand.safePoint?.checkpointAt;
      if (safe === undefined) {
        // Nothing old enough yet; the sinks are flushed, and the next attempt waits a full interval.
        this.lastCheckpointAt = this.now();
        return;
      }
      const at = { sequenceNumber: safe.sequenceNumber, subSequenceNumber: safe.subSequenceNumber ?? 0 };
      ok = await checkpointer.checkpoint(at);
      if (ok) {
        this.checkpointed = at;
        this.log.debug("checkpointed", { at: at.sequenceNumber, snapshot: false });
      }
    }
    this.lastCheckpointAt = this.now();
    if (!ok) this.log.warn("checkpoint refused: the lease moved to another worker");
  }

  /**
   * Writes the shard's state, then checkpoints at `position`, the end of the last batch. The outputs the
   * pipeline emitted since that batch (an idle shard's panes) are taken at the same instant as the state
   * and staged; the sinks' flush and the state's write then run side by side (only the checkpoint needs
   * both: a state whose checkpoint never comes is never read, the store keeps the checkpointed one). False
   * when the state is over the store's limit: the caller checkpoints at the safe point instead.
   */
  private async checkpointWithSnapshot(
    checkpointer: { checkpoint(position?: ExtendedSequenceNumber): Promise<boolean> },
    demand: DemandStage,
    fence: number,
    position: ExtendedSequenceNumber,
  ): Promise<boolean> {
    const store = this.d.snapshots as ShardSnapshotStore;
    const { outputs, snapshot } = demand.takeWithSnapshot(position);
    await this.drain(outputs);
    const [, written] = await Promise.all([
      this.flushSinks(),
      this.retry("state snapshot write", async () => {
        try {
          await store.save(this.shardId, fence, position, snapshot, this.checkpointed);
          return "written";
        } catch (e) {
          if (e instanceof ShardSnapshotFencedError || e instanceof ShardSnapshotTooLargeError) return e;
          throw e;
        }
      }),
    ]);
    if (written instanceof ShardSnapshotTooLargeError) {
      this.log.error("state snapshot not written: checkpointing at the safe point", { err: written });
      if (!this.snapshotRefusalAlerted) {
        this.snapshotRefusalAlerted = true;
        await this.d
          .operationsAlert?.(`flightpulse: state snapshot of ${this.shardId} too large`, written.message)
          .catch(() => {});
      }
      return false;
    }
    this.lastCheckpointAt = this.now();
    if (written instanceof ShardSnapshotFencedError) {
      this.log.warn("state not written and no checkpoint: a later owner of the lease claimed the shard");
      return true;
    }
    this.recordStateBytes(snapshot.length);
    if (await checkpointer.checkpoint(position)) {
      this.checkpointed = position;
      this.log.debug("checkpointed", { at: position.sequenceNumber, snapshot: true, bytes: snapshot.length });
    } else this.log.warn("checkpoint refused: the lease moved to another worker");
    return true;
  }

  /** Sends what the pipeline emitted on its own (an idle advance, the shard's end) through the sinks. */
  private async drain(outputs = this.demand?.take()): Promise<void> {
    if (outputs === undefined) return;
    const facts = new Map<string, Row[]>();
    const notices: AlertNotice[] = [];
    this.collect(outputs, facts, notices);
    await this.sendAlerts(notices, facts);
    await this.stage(facts);
  }

  async leaseLost(): Promise<void> {
    this.demand?.end("lease-lost");
    this.d.manifests.invalidate();
    this.log.info("lease lost");
  }

  async shardEnded(input: { checkpointer: { checkpoint(): Promise<boolean> } }): Promise<void> {
    const store = this.d.handoffs;
    // The routes' open panes and windows go to the children when the store can take them; else they close.
    const routes = this.demand?.end("shard-end", store?.maxBytes);
    await this.drain();
    // Durable before SHARD_END: the children start only after that checkpoint, and read it first.
    const handoff =
      this.handoff === undefined || routes === undefined ? this.handoff : { ...this.handoff, routes };
    if (handoff !== undefined && store !== undefined)
      await this.retry("shard hand-off write", async () => {
        try {
          await store.save(this.shardId, handoff);
        } catch (e) {
          if (!(e instanceof ShardHandoffTooLargeError)) throw e;
          this.log.error("shard hand-off not written", { err: e });
          await this.d.operationsAlert?.(
            `flightpulse: shard hand-off of ${this.shardId} too large`,
            e.message,
          );
        }
      });
    await this.checkpoint(input.checkpointer, true);
    this.log.info("shard ended");
  }

  async shutdownRequested(input: {
    checkpointer: { checkpoint(position?: ExtendedSequenceNumber): Promise<boolean> };
  }): Promise<void> {
    this.shuttingDown = true;
    await this.drain();
    await this.checkpoint(input.checkpointer);
    this.demand?.end("shutdown");
    this.log.info("shut down, checkpointed");
  }
}
