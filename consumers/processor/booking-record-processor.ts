// The worker's record processor: decode → sinks. Valid events update seat manifests (one conditional
// write per flight per batch) and become warehouse facts; invalid ones go to the rejected-events sink with
// their reason. Retryable sink failures are retried with backoff and jitter; a non-retryable one stops the
// shard without checkpointing past it and raises an operations alert. Checkpoints cover only what every
// sink has made durable: the warehouse is flushed first. (Windowed demand and surge alerts join here
// with the analytics issue.)
import { decodeRecord, type FlightEvent, flightKey, routeOf } from "../../analytics/events";
import type { RecordProcessor } from "../kcl/record-processor";
import type { UserRecord } from "../kcl/retrieval/kpl-aggregation";
import type { Logger } from "../observability/logger";
import type { ManifestInput, ManifestSink } from "../sinks/manifests/manifest-sink";
import type { RejectedEventsSink, RejectedRecord } from "../sinks/rejected/rejected-record";
import type { Row } from "../warehouse/data-api";
import type { WarehouseLoader } from "../warehouse/loader";

export interface ProcessorDeps {
  readonly manifests: ManifestSink;
  readonly rejected: RejectedEventsSink;
  readonly warehouse?: WarehouseLoader;
  readonly log: Logger;
  /** Checkpoint at most this often (default 10 s); replays from an older checkpoint are harmless. */
  readonly checkpointIntervalMs?: number;
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly operationsAlert?: (subject: string, message: string) => Promise<void>;
  readonly counters?: ProcessorCounters;
}

export interface ProcessorCounters {
  events: number;
  rejected: number;
  sinkErrors: number;
}

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
    default:
      return [];
  }
}

export class BookingRecordProcessor implements RecordProcessor {
  private shardId = "";
  private lastCheckpointAt = 0;
  private log: Logger;
  private readonly now: () => number;

  constructor(private readonly d: ProcessorDeps) {
    this.log = d.log;
    this.now = d.now ?? Date.now;
  }

  private async retry<T>(what: string, op: () => Promise<T>): Promise<T> {
    const max = this.d.maxAttempts ?? 6;
    for (let attempt = 1; ; attempt++) {
      try {
        return await op();
      } catch (e) {
        if (this.d.counters !== undefined) this.d.counters.sinkErrors++;
        if (!isRetryable(e) || attempt >= max) {
          this.log.error(`${what} failed; the shard stops without checkpointing past this batch`, { err: e });
          await this.d
            .operationsAlert?.(`flightpulse: ${what} failed on ${this.shardId}`, (e as Error).message)
            .catch(() => {});
          throw e;
        }
        const delay = Math.floor(Math.random() * Math.min(10_000, 100 * 2 ** attempt));
        this.log.warn(`${what} failed, retrying`, { attempt, delayMs: delay, err: e });
        await (this.d.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms))))(delay);
      }
    }
  }

  async initialize(input: { shardId: string }): Promise<void> {
    this.shardId = input.shardId;
    this.log = this.d.log.child({ shardId: input.shardId });
    this.lastCheckpointAt = this.now();
  }

  async processRecords(input: {
    records: readonly UserRecord[];
    checkpointer: { checkpoint(): Promise<boolean> };
  }): Promise<void> {
    const manifestInputs: ManifestInput[] = [];
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
      for (const [table, row] of factRows(decoded.event, this.shardId, r.sequenceNumber))
        facts.set(table, [...(facts.get(table) ?? []), row]);
    }
    await Promise.all([
      this.retry("manifest update", () => this.d.manifests.apply(manifestInputs)),
      rejects.length > 0
        ? this.retry("rejected-events write", () => this.d.rejected.put(rejects))
        : undefined,
    ]);
    if (this.d.warehouse !== undefined)
      for (const [table, rows] of facts) await this.d.warehouse.add(table, rows);
    if (this.d.counters !== undefined) {
      this.d.counters.events += manifestInputs.length;
      this.d.counters.rejected += rejects.length;
    }
    if (rejects.length > 0)
      this.log.info("records rejected", { count: rejects.length, first: rejects[0]?.reason });
    if (this.now() - this.lastCheckpointAt >= (this.d.checkpointIntervalMs ?? 10_000))
      await this.checkpoint(input.checkpointer);
  }

  private async checkpoint(checkpointer: { checkpoint(): Promise<boolean> }): Promise<void> {
    if (this.d.warehouse !== undefined) await this.retry("warehouse flush", () => this.d.warehouse!.flush());
    const ok = await checkpointer.checkpoint();
    this.lastCheckpointAt = this.now();
    if (!ok) this.log.warn("checkpoint refused: the lease moved to another worker");
  }

  async leaseLost(): Promise<void> {
    this.d.manifests.invalidate();
    this.log.info("lease lost");
  }

  async shardEnded(input: { checkpointer: { checkpoint(): Promise<boolean> } }): Promise<void> {
    await this.checkpoint(input.checkpointer);
    this.log.info("shard ended");
  }

  async shutdownRequested(input: { checkpointer: { checkpoint(): Promise<boolean> } }): Promise<void> {
    await this.checkpoint(input.checkpointer);
    this.log.info("shut down, checkpointed");
  }
}
