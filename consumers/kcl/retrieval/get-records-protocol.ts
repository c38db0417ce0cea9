// The Kinesis client's JSON protocol with GetRecords pages read by JSON.parse and one base64 decode per
// record. The SDK's schema-driven reader parses the page, then walks it again member by member and checks
// every record's data against a regular expression before decoding it: 2.0–2.5 µs a record against
// 1.3–1.7 read this way (pages of 10,000 search events, no network; docs/performance.md).
// Every other operation, every error response, and any page not in the shape below goes through the SDK's
// own deserialiser, so errors, retries and metadata are the SDK's.
import { AwsJson1_1Protocol } from "@aws-sdk/core/protocols";

type Json = Record<string, unknown>;

/** What the SDK's reader makes of a GetRecords page, or undefined for anything it should read itself. */
export function readGetRecordsPage(text: string): Json | undefined {
  let page: unknown;
  try {
    page = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof page !== "object" || page === null || Array.isArray(page)) return undefined;
  const p = page as Json;
  const out: Json = {};
  for (const key in p) {
    const v = p[key];
    if (v === null) continue;
    switch (key) {
      case "Records": {
        const records = readRecords(v);
        if (records === undefined) return undefined;
        out["Records"] = records;
        break;
      }
      case "NextShardIterator":
        if (typeof v !== "string") return undefined;
        out["NextShardIterator"] = v;
        break;
      case "MillisBehindLatest":
        if (typeof v !== "number") return undefined;
        out["MillisBehindLatest"] = v;
        break;
      case "ChildShards":
        // Children only at a closed shard's end: rare, the SDK's to read. An empty list is nothing.
        if (!Array.isArray(v) || v.length > 0) return undefined;
        out["ChildShards"] = [];
        break;
      default:
        // A member a later API version adds: the SDK's to read.
        return undefined;
    }
  }
  return out;
}

function readRecords(v: unknown): Json[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const records: Json[] = [];
  for (let i = 0; i < v.length; i++) {
    const r = v[i] as Json | null;
    if (typeof r !== "object" || r === null) return undefined;
    const { SequenceNumber, ApproximateArrivalTimestamp, Data, PartitionKey, EncryptionType } = r;
    if (typeof SequenceNumber !== "string" || typeof Data !== "string" || typeof PartitionKey !== "string")
      return undefined;
    const record: Json = { SequenceNumber, Data: Buffer.from(Data, "base64"), PartitionKey };
    // Epoch seconds with a fraction, as the SDK reads them: the nearest millisecond.
    if (typeof ApproximateArrivalTimestamp === "number")
      record["ApproximateArrivalTimestamp"] = new Date(Math.round(ApproximateArrivalTimestamp * 1000));
    else if (ApproximateArrivalTimestamp != null) return undefined;
    if (typeof EncryptionType === "string") record["EncryptionType"] = EncryptionType;
    else if (EncryptionType != null) return undefined;
    for (const key in r)
      if (
        key !== "SequenceNumber" &&
        key !== "ApproximateArrivalTimestamp" &&
        key !== "Data" &&
        key !== "PartitionKey" &&
        key !== "EncryptionType"
      )
        return undefined;
    records.push(record);
  }
  return records;
}

type DeserializeArgs = Parameters<AwsJson1_1Protocol["deserializeResponse"]>;
/** What every deserialised output carries ($metadata), as the base class constrains it. */
type MetadataBearer = Awaited<ReturnType<AwsJson1_1Protocol["deserializeResponse"]>>;

/** AwsJson1_1Protocol, GetRecords pages excepted; pass it as a Kinesis client's `protocol`. */
export class KinesisJsonProtocol extends AwsJson1_1Protocol {
  override async deserializeResponse<Output extends MetadataBearer>(
    operationSchema: DeserializeArgs[0],
    context: DeserializeArgs[1],
    response: DeserializeArgs[2],
  ): Promise<Output> {
    if (operationSchema.name !== "GetRecords" || response.statusCode >= 300)
      return super.deserializeResponse<Output>(operationSchema, context, response);
    const body: unknown = response.body;
    const bytes = body instanceof Uint8Array ? body : await context.streamCollector(body);
    const out = readGetRecordsPage(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"),
    );
    // Not a page this reader knows: the SDK reads the same bytes.
    if (out === undefined) {
      response.body = bytes;
      return super.deserializeResponse<Output>(operationSchema, context, response);
    }
    out["$metadata"] = this.deserializeMetadata(response);
    return out as unknown as Output;
  }
}
