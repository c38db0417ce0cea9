// Shared by the analytics and Flink benchmarks: a simulated day delivered as Kinesis would (batches of 500
// records per shard, shards interleaved), and one run of the workers' RxJS demand pipeline over it.
import { createHash } from "node:crypto";
import { from, VirtualTimeScheduler } from "rxjs";
import type { DemandOptions } from "../analytics/demand/demand-options";
import { demandPipeline } from "../analytics/demand/demand-pipeline";
import type { DemandInput, DemandOutput, PositionedEvent } from "../analytics/demand/stream-items";
import { decodeRecord } from "../analytics/events/decoder";
import { InMemoryBaselineStore } from "../analytics/rules/route-baseline";
import type { DeliveredRecord } from "../test/fixtures/demand-traffic";

export const BATCH = 500;

/** A record as GetRecords hands it over. */
export interface KinesisLikeRecord {
  readonly sequenceNumber: string;
  readonly data: Uint8Array;
}

/**
 * One GetRecords batch of one shard, packed: the records' bytes back to back and where each starts (one
 * offset more than records). A day of traffic held as a million record objects would be a heap every GC
 * of the timed run has to walk, which no worker has (it holds a batch or two); packed, it is 2,000 buffers.
 */
export interface DeliveryBatch {
  readonly shardId: string;
  readonly bytes: Buffer;
  readonly offsets: Int32Array;
  readonly firstSequence: number;
}

/** Kinesis-like delivery: batches of 500 records per shard, shards interleaved. */
export function interleavedBatches(traffic: Map<string, DeliveredRecord[]>): DeliveryBatch[] {
  const out: DeliveryBatch[] = [];
  const shards = [...traffic];
  for (let i = 0; shards.some(([, r]) => i < r.length); i += BATCH)
    for (const [shardId, records] of shards) {
      if (i >= records.length) continue;
      const batch = records.slice(i, i + BATCH);
      const offsets = new Int32Array(batch.length + 1);
      batch.forEach((r, k) => {
        offsets[k + 1] = (offsets[k] as number) + r.data.byteLength;
      });
      out.push({
        shardId,
        bytes: Buffer.concat(batch.map((r) => r.data)),
        offsets,
        firstSequence: batch[0]?.seq ?? 0,
      });
    }
  return out;
}

/** The batch's records as a Kinesis client hands them over: a view of each record's bytes, its sequence number. */
export function recordsOf(batch: DeliveryBatch): KinesisLikeRecord[] {
  const out: KinesisLikeRecord[] = [];
  for (let k = 0; k + 1 < batch.offsets.length; k++)
    out.push({
      sequenceNumber: String(batch.firstSequence + k),
      data: batch.bytes.subarray(batch.offsets[k], batch.offsets[k + 1]),
    });
  return out;
}

/** Decode + panes + sliding windows + rules over the delivery, to the end of every shard. */
export function runDemandPipeline(
  delivery: readonly DeliveryBatch[],
  shardIds: Iterable<string>,
  options: DemandOptions,
  /** Sees every output (the digest run); the timed runs pass none. */
  onOutput?: (output: DemandOutput) => void,
): { panes: number; alerts: number } {
  let panes = 0;
  let alerts = 0;
  const inputs = (function* (): Generator<DemandInput> {
    for (const b of delivery) {
      const events: PositionedEvent[] = [];
      for (const r of recordsOf(b)) {
        const d = decodeRecord(r.data);
        if (d.ok)
          events.push({
            position: { sequenceNumber: r.sequenceNumber },
            eventTimeMs: d.eventTimeMs,
            event: d.event,
          });
      }
      yield { kind: "events", shardId: b.shardId, events };
    }
    for (const shardId of shardIds) yield { kind: "shard-ended", shardId, reason: "shard-end" };
  })();
  from(inputs)
    .pipe(demandPipeline(options, new InMemoryBaselineStore(), new VirtualTimeScheduler()))
    .subscribe((o) => {
      onOutput?.(o);
      if (o.kind === "pane") panes++;
      else if (o.kind === "alert") alerts++;
    });
  return { panes, alerts };
}

/**
 * SHA-256 over every pane, window and alert in emission order: printed with the figures, so a change that
 * alters an output shows as a different digest (the reference and property tests say which is right).
 */
export function outputDigest(
  delivery: readonly DeliveryBatch[],
  shardIds: Iterable<string>,
  options: DemandOptions,
): { digest: string; outputs: number } {
  const hash = createHash("sha256");
  let outputs = 0;
  runDemandPipeline(delivery, shardIds, options, (o) => {
    if (o.kind !== "pane" && o.kind !== "window" && o.kind !== "alert") return;
    hash.update(JSON.stringify(o));
    hash.update("\n");
    outputs++;
  });
  return { digest: hash.digest("hex"), outputs };
}
