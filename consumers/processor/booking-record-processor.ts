// The worker's record processor: decode → analytics → sinks. Valid events update seat manifests (one
// conditional write per flight per batch), feed the per-shard demand pipeline (panes, windows, surge
// alerts) and become warehouse facts; changed manifests are judged by the flight rules; invalid records go
// to the rejected-events sink with their reason. Alerts go through the SNS sink (de-duplicated across
// failover). A failing sink holds its shard: the batch is retried with capped backoff and jitter until the
// sink recovers (or the lease goes), the shard's checkpoint stays where it was, one operations alert says
// so, and nothing more is read meanwhile (the runtime fetches at most maxPendingBatches ahead). A checkpoint
// covers only what every sink has made durable (warehouse and baselines flushed first) and never passes
// the analytics' safe point.
import { mergeHandoffs } from "../../analytics/demand/shard-handoff";
import { getOrCreate } from "../../analytics/demand/stateful-operator";
import type { DemandOutput, PositionedEvent, ShardHandoffState } from "../../analytics/demand/stream-items";
import { decodeRecord, type FlightEvent, flightKey, routeOf } from "../../analytics/events";
import { evaluateFlight, type FlightRuleOptions } from "../../analytics/rules/flight-rules";
import type { ExtendedSequenceNumber } from "../kcl/lease";
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
import { type ShardHandoffStore, ShardHandoffTooLargeError } from "./shard-handoff-store";

export interface ProcessorDeps {
  readonly manifests: ManifestSink;
  readonly rejected: RejectedEventsSink;
  readonly warehouse?: WarehouseLoader;
  /** Windowed demand and surge detection; without it the processor checkpoints after each flush. */
  readonly demand?: DemandStageOptions;
  /** Where a reshard's parent leaves its demand state for its children (without it they start afresh). */
  readonly handoffs?: ShardHandoffStore;
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
}

/** Anything but the start of the shard means earlier records exist that this run will not see. */
const RESUMED_FROM = (p: ExtendedSequenceNumber) => p.sequenceNumber !== "TRIM_HORIZON";

/** Appends rows to a batch's rows of `table` (in place: a batch can hold ten thousand). */
const addRows = (facts: Map<string, Row[]>, table: string, rows: readonly Row[]) => {
  getOrCreate(facts, table, () => []).push(...rows);
};

const isRetryable = (e: unknown) => (e as { retryable?: unknown }).retryable !== false;

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
  }): Promise<void> {
    this.shardId = input.shardId;
    this.log = this.d.log.child({ shardId: input.shardId });
    this.lastCheckpointAt = this.now();
    if (this.d.demand !== undefined)
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
        await this.inherited(input.parentShardIds ?? []),
      );
  }

  /** The parents' hand-offs, merged; a parent that left none (an older build ended it) is logged. */
  private async inherited(parents: readonly string[]): Promise<ShardHandoffState | undefined> {
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
    const merged = mergeHandoffs(states);
    if (merged !== undefined)
      this.log.info("started from the parents' hand-off", {
        parents,
        watermarkMs: merged.watermarkMs,
        ids: merged.panes.reduce((n, p) => n + p.eventIds.length, 0),
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
    const manifestInputs: ManifestInput[] = [];
    const positioned: PositionedEvent[] = [];
    const rejects: RejectedRecord[] = [];
    const facts = new Map<string, Row[]>();
    for (const r of input.records) {
      const decoded = decodeRecord(r.data);
      if (!decoded.ok) {
        rejects.push({
          ...decoded.rejection,
          shardId: this.shardId,
          sequenceNumber: r.sequenceNumber,
          subSequenceNumber: r.subSequenceNumber,
          partitionKey: r.partitionKey,
        });
        continue;
      }
      manifestInputs.push({
        event: decoded.event,
        shardId: this.shardId,
        sequenceNumber: r.sequenceNumber,
        subSequenceNumber: r.subSequenceNumber,
      });
      positioned.push({
        position: { sequenceNumber: r.sequenceNumber, subSequenceNumber: r.subSequenceNumber },
        eventTimeMs: decoded.eventTimeMs,
        event: decoded.event,
      });
      for (const [table, row] of factRows(decoded.event, this.shardId, r.sequenceNumber))
        addRows(facts, table, [row]);
    }
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
    if (this.demand !== undefined) {
      await this.retry("baseline read", () => (this.demand as DemandStage).push(positioned));
      this.collect(this.demand.take(), facts, notices);
    }
    await this.sendAlerts(notices, facts);
    await this.stage(facts);
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

  private async checkpoint(
    checkpointer: { checkpoint(position?: ExtendedSequenceNumber): Promise<boolean> },
    end = false,
  ): Promise<void> {
    if (this.d.warehouse !== undefined) await this.retry("warehouse flush", () => this.d.warehouse!.flush());
    const baselines = this.d.demand?.baselines;
    if (baselines?.flush !== undefined) await this.retry("baseline write", () => baselines.flush!());
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
      ok = await checkpointer.checkpoint({
        sequenceNumber: safe.sequenceNumber,
        subSequenceNumber: safe.subSequenceNumber ?? 0,
      });
    }
    this.lastCheckpointAt = this.now();
    if (!ok) this.log.warn("checkpoint refused: the lease moved to another worker");
  }

  /** Sends what the pipeline emitted on its own (shard end) through the sinks. */
  private async drain(): Promise<void> {
    if (this.demand === undefined) return;
    const facts = new Map<string, Row[]>();
    const notices: AlertNotice[] = [];
    this.collect(this.demand.take(), facts, notices);
    await this.sendAlerts(notices, facts);
    await this.stage(facts);
  }

  async leaseLost(): Promise<void> {
    this.demand?.end("lease-lost");
    this.d.manifests.invalidate();
    this.log.info("lease lost");
  }

  async shardEnded(input: { checkpointer: { checkpoint(): Promise<boolean> } }): Promise<void> {
    this.demand?.end("shard-end");
    await this.drain();
    // Durable before SHARD_END: the children start only after that checkpoint, and read it first.
    const handoff = this.handoff;
    const store = this.d.handoffs;
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
