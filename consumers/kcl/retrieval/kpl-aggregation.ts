// KPL record aggregation, as the Kinesis Producer Library writes it: magic bytes F3 89 9A C2, a protobuf
// AggregatedRecord { repeated string partition_key_table = 1; repeated string explicit_hash_key_table = 2;
// repeated Record records = 3 } with Record { uint64 partition_key_index = 1; uint64
// explicit_hash_key_index = 2; bytes data = 3; repeated Tag tags = 4 }, then the MD5 of the protobuf
// bytes. A record that is not aggregated (no magic, or a bad digest) is one user record, as in the KCL.
import { createHash } from "node:crypto";
import { compareSequence, type ExtendedSequenceNumber } from "../lease";

export const KPL_MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);
const DIGEST_BYTES = 16;

export interface KinesisRecordIn {
  readonly data: Uint8Array;
  readonly partitionKey: string;
  readonly sequenceNumber: string;
  readonly approximateArrivalTimestamp?: Date;
}

export interface UserRecord {
  readonly data: Uint8Array;
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  readonly sequenceNumber: string;
  /** Index inside the aggregated record; 0 for plain records. */
  readonly subSequenceNumber: number;
  readonly aggregated: boolean;
  readonly approximateArrivalTimestamp?: Date;
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}
  get done() {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.buf.length) throw new RangeError("truncated varint");
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new RangeError("varint too long");
    }
  }
  bytes(): Uint8Array {
    const len = this.varint();
    if (this.pos + len > this.buf.length) throw new RangeError("truncated field");
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 2) this.bytes();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 5) this.pos += 4;
    else throw new RangeError(`unsupported wire type ${wireType}`);
  }
}

interface InnerRecord {
  partitionKeyIndex: number;
  explicitHashKeyIndex?: number;
  data: Uint8Array;
}

function parseInner(buf: Uint8Array): InnerRecord {
  const r = new Reader(buf);
  const rec: InnerRecord = { partitionKeyIndex: 0, data: new Uint8Array() };
  while (!r.done) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 1 && wire === 0) rec.partitionKeyIndex = r.varint();
    else if (field === 2 && wire === 0) rec.explicitHashKeyIndex = r.varint();
    else if (field === 3 && wire === 2) rec.data = r.bytes();
    else r.skip(wire);
  }
  return rec;
}

/** The user records inside one Kinesis record. */
export function deaggregate(record: KinesisRecordIn): UserRecord[] {
  const plain: UserRecord = {
    data: record.data,
    partitionKey: record.partitionKey,
    sequenceNumber: record.sequenceNumber,
    subSequenceNumber: 0,
    aggregated: false,
    ...(record.approximateArrivalTimestamp !== undefined
      ? { approximateArrivalTimestamp: record.approximateArrivalTimestamp }
      : {}),
  };
  const d = record.data;
  if (d.length < KPL_MAGIC.length + DIGEST_BYTES || !KPL_MAGIC.every((b, i) => d[i] === b)) return [plain];
  const body = d.subarray(KPL_MAGIC.length, d.length - DIGEST_BYTES);
  const digest = createHash("md5").update(body).digest();
  if (!digest.equals(Buffer.from(d.subarray(d.length - DIGEST_BYTES)))) return [plain];
  try {
    const keys: string[] = [];
    const hashKeys: string[] = [];
    const inner: InnerRecord[] = [];
    const r = new Reader(body);
    while (!r.done) {
      const tag = r.varint();
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (field === 1 && wire === 2) keys.push(Buffer.from(r.bytes()).toString("utf8"));
      else if (field === 2 && wire === 2) hashKeys.push(Buffer.from(r.bytes()).toString("utf8"));
      else if (field === 3 && wire === 2) inner.push(parseInner(r.bytes()));
      else r.skip(wire);
    }
    return inner.map((rec, i) => {
      const key = keys[rec.partitionKeyIndex];
      if (key === undefined)
        throw new RangeError(`partition key index ${rec.partitionKeyIndex} out of range`);
      const ehk = rec.explicitHashKeyIndex === undefined ? undefined : hashKeys[rec.explicitHashKeyIndex];
      return {
        data: rec.data,
        partitionKey: key,
        ...(ehk !== undefined ? { explicitHashKey: ehk } : {}),
        sequenceNumber: record.sequenceNumber,
        subSequenceNumber: i,
        aggregated: true,
        ...(record.approximateArrivalTimestamp !== undefined
          ? { approximateArrivalTimestamp: record.approximateArrivalTimestamp }
          : {}),
      };
    });
  } catch {
    return [plain];
  }
}

/** User records strictly after a checkpoint: resuming inside an aggregated record skips what was done. */
export function afterCheckpoint(
  records: readonly UserRecord[],
  checkpoint: ExtendedSequenceNumber,
): UserRecord[] {
  return records.filter(
    (r) =>
      compareSequence(
        { sequenceNumber: r.sequenceNumber, subSequenceNumber: r.subSequenceNumber },
        checkpoint,
      ) > 0,
  );
}

// Encoding, for the producer's optional aggregation and for tests.
function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

const field = (num: number, payload: Uint8Array) =>
  Buffer.concat([Buffer.from(varint(num * 8 + 2)), Buffer.from(varint(payload.length)), payload]);

/** One Kinesis record carrying `records` (partition keys de-duplicated into the key table). */
export function aggregate(records: readonly { data: Uint8Array; partitionKey: string }[]): Buffer {
  const keys: string[] = [];
  const parts: Buffer[] = [];
  for (const r of records) {
    let idx = keys.indexOf(r.partitionKey);
    if (idx < 0) idx = keys.push(r.partitionKey) - 1;
    const inner = Buffer.concat([Buffer.from([0x08, ...varint(idx)]), field(3, r.data)]);
    parts.push(field(3, inner));
  }
  const body = Buffer.concat([...keys.map((k) => field(1, Buffer.from(k, "utf8"))), ...parts]);
  return Buffer.concat([KPL_MAGIC, body, createHash("md5").update(body).digest()]);
}
