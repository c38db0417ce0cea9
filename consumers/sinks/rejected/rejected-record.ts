// A record the decoder refused, with where it came from, so nothing is lost: operators can find it, fix
// the producer and replay it. Keys are deterministic (shard + sequence), so a redelivery overwrites itself.
import type { Rejection } from "../../../analytics/events";

export interface RejectedRecord extends Rejection {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly subSequenceNumber?: number;
  readonly partitionKey?: string;
  /** Kinesis ApproximateArrivalTimestamp (epoch ms), when known. */
  readonly arrivedAt?: number;
}

export interface RejectedEventsSink {
  /** Makes the records durable; resolves only when all are stored. Safe to call again with the same records. */
  put(records: readonly RejectedRecord[]): Promise<void>;
}

/** Kinesis sequence numbers are decimal strings of up to 56 digits: pad so string order is numeric order. */
export const sortableSequence = (sequenceNumber: string, subSequenceNumber = 0): string =>
  `${sequenceNumber.padStart(64, "0")}#${String(subSequenceNumber).padStart(6, "0")}`;
