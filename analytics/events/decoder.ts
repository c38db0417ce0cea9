// Turns Kinesis record bytes into a typed event or a rejection that names the field and keeps the raw
// bytes, so a bad record is never dropped silently: the caller sends rejections to the rejected-events sink.
import { isUtf8 } from "node:buffer";
import type { TSchema } from "@sinclair/typebox";
import { TypeCompiler, type ValueError, ValueErrorType } from "@sinclair/typebox/compiler";
import { decodeCanonical } from "./canonical-decoder";
import {
  EVENT_SCHEMAS,
  EVENT_TYPES,
  type EventType,
  type FlightEvent,
  MAX_RECORD_BYTES,
  SUPPORTED_VERSIONS,
} from "./schema";
import { isCalendarDate, parseTimestamp } from "./timestamps";

export { isCalendarDate, parseTimestamp } from "./timestamps";

export type RejectionCode =
  | "too_large"
  | "invalid_encoding"
  | "invalid_json"
  | "not_an_object"
  | "forbidden_key"
  | "unknown_type"
  | "unsupported_version"
  | "missing_field"
  | "unknown_field"
  | "invalid_field";

export interface Rejection {
  /** Stable machine-readable category. */
  readonly code: RejectionCode;
  /** Human-readable reason that names the field path. */
  readonly reason: string;
  /** JSON Pointer of the offending field ("" for the whole record). */
  readonly path: string;
  /** The record exactly as received. */
  readonly raw: Uint8Array;
}

export type DecodeResult =
  | {
      readonly ok: true;
      readonly event: FlightEvent /** occurredAt in epoch ms. */;
      readonly eventTimeMs: number;
    }
  | { readonly ok: false; readonly rejection: Rejection };

const VALIDATORS = Object.fromEntries(
  EVENT_TYPES.map((t) => [t, TypeCompiler.Compile(EVENT_SCHEMAS[t] as TSchema)]),
) as Record<EventType, ReturnType<typeof TypeCompiler.Compile>>;

const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

const reject = (code: RejectionCode, path: string, reason: string, raw: Uint8Array): DecodeResult => ({
  ok: false,
  rejection: { code, path, reason: path === "" ? reason : `${path}: ${reason}`, raw },
});

const toBytes = (input: Uint8Array | string): Uint8Array =>
  typeof input === "string" ? Buffer.from(input, "utf8") : input;

/** Decodes one record. Never throws: every failure is a rejection. */
export function decodeRecord(input: Uint8Array | string): DecodeResult {
  const raw = toBytes(input);
  // Most records take the one-pass path; it only ever accepts (and no valid event comes near the size
  // limit), so every rejection, too_large included, comes from the full decoder.
  return decodeCanonical(raw) ?? decodeInFull(raw);
}

/**
 * The general decoder: UTF-8 check, JSON.parse, the compiled contract, the semantic checks. Exported for the
 * test that holds the fast path to it; callers use decodeRecord.
 */
export function decodeInFull(raw: Uint8Array): DecodeResult {
  if (raw.byteLength > MAX_RECORD_BYTES) {
    return reject("too_large", "", `record is ${raw.byteLength} bytes, over the 1 MiB limit`, raw);
  }
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (!isUtf8(buf)) return reject("invalid_encoding", "", "record is not valid UTF-8", raw);
  const text = buf.toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return reject("invalid_json", "", `record is not JSON (${(e as Error).message})`, raw);
  }
  return decodeValue(value, raw, text);
}

/** Validates an already parsed value (the ingest endpoint parses a batch once). */
export function decodeValue(value: unknown, raw: Uint8Array, text?: string): DecodeResult {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return reject("not_an_object", "", "record must be a JSON object", raw);
  }
  // A cheap substring test first keeps the deep walk off the hot path.
  const mayHaveForbidden =
    text === undefined ||
    text.includes("__proto__") ||
    text.includes("constructor") ||
    text.includes("prototype") ||
    text.includes("\\u");
  if (mayHaveForbidden) {
    const bad = findForbiddenKey(value, "");
    if (bad !== undefined) {
      return reject("forbidden_key", bad, "key is not allowed (prototype pollution)", raw);
    }
  }
  const record = value as Record<string, unknown>;
  const type = record["type"];
  if (type === undefined) return reject("missing_field", "/type", "is required", raw);
  if (typeof type !== "string" || !KNOWN_TYPES.has(type)) {
    return reject(
      "unknown_type",
      "/type",
      `unknown event type ${JSON.stringify(type)}; expected one of ${EVENT_TYPES.join(", ")}`,
      raw,
    );
  }
  const eventType = type as EventType;
  const version = record["version"];
  if (version === undefined) return reject("missing_field", "/version", "is required", raw);
  if (typeof version !== "number" || !SUPPORTED_VERSIONS[eventType].includes(version)) {
    return reject(
      "unsupported_version",
      "/version",
      `${eventType} version ${JSON.stringify(version)} is not supported; supported: ${SUPPORTED_VERSIONS[eventType].join(", ")}`,
      raw,
    );
  }
  const validator = VALIDATORS[eventType];
  if (!validator.Check(value)) {
    const first = validator.Errors(value).First();
    return first === undefined
      ? reject("invalid_field", "", "does not match the contract", raw)
      : fromSchemaError(first, raw);
  }
  const event = value as FlightEvent;
  return checkSemantics(event, raw);
}

function fromSchemaError(error: ValueError, raw: Uint8Array): DecodeResult {
  if (error.type === ValueErrorType.ObjectRequiredProperty)
    return reject("missing_field", error.path, "is required", raw);
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    return reject("unknown_field", error.path, "is not a field of this event type", raw);
  }
  const custom = (error.schema as { errorMessage?: unknown }).errorMessage;
  const message = typeof custom === "string" ? custom : error.message.toLowerCase();
  return reject("invalid_field", error.path, `${message} (got ${preview(error.value)})`, raw);
}

const preview = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

// Checks a schema cannot express: real calendar dates, ordering of times, distinct endpoints.
function checkSemantics(event: FlightEvent, raw: Uint8Array): DecodeResult {
  const eventTimeMs = parseTimestamp(event.occurredAt);
  if (eventTimeMs === undefined)
    return reject(
      "invalid_field",
      "/occurredAt",
      `is not a real date-time (got ${preview(event.occurredAt)})`,
      raw,
    );
  if (!isCalendarDate(event.departureDate)) {
    return reject(
      "invalid_field",
      "/departureDate",
      `is not a real calendar date (got ${preview(event.departureDate)})`,
      raw,
    );
  }
  if (event.origin === event.destination) {
    return reject("invalid_field", "/destination", `must differ from origin (both ${event.origin})`, raw);
  }
  if (event.type === "flight.scheduled") {
    const dep = parseTimestamp(event.departureTime);
    if (dep === undefined)
      return reject(
        "invalid_field",
        "/departureTime",
        `is not a real date-time (got ${preview(event.departureTime)})`,
        raw,
      );
    const arr = parseTimestamp(event.arrivalTime);
    if (arr === undefined)
      return reject(
        "invalid_field",
        "/arrivalTime",
        `is not a real date-time (got ${preview(event.arrivalTime)})`,
        raw,
      );
    if (arr <= dep) return reject("invalid_field", "/arrivalTime", "must be after departureTime", raw);
  }
  return { ok: true, event, eventTimeMs };
}

function findForbiddenKey(value: unknown, path: string): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  for (const key of Object.keys(value)) {
    const here = `${path}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
    if (FORBIDDEN_KEYS.has(key)) return here;
    const found = findForbiddenKey((value as Record<string, unknown>)[key], here);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Encodes an event as a Kinesis record body (UTF-8 JSON). */
export function encodeEvent(event: FlightEvent): Uint8Array {
  return Buffer.from(JSON.stringify(event), "utf8");
}
