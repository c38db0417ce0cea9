// Turns Kinesis record bytes into a typed event or a rejection that names the field and keeps the raw
// bytes, so a bad record is never dropped silently: the caller sends rejections to the rejected-events sink.
import { isUtf8 } from "node:buffer";
import type { TSchema } from "@sinclair/typebox";
import { TypeCompiler, type ValueError, ValueErrorType } from "@sinclair/typebox/compiler";
import {
  EVENT_SCHEMAS,
  EVENT_TYPES,
  type EventType,
  type FlightEvent,
  MAX_RECORD_BYTES,
  SUPPORTED_VERSIONS,
} from "./schema";

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
  const dd = event.departureDate;
  if (!isRealDate(digits(dd, 0, 4), digits(dd, 5, 2), digits(dd, 8, 2))) {
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

/**
 * Epoch ms of an ISO-8601 timestamp already matching the schema pattern, or undefined if it is not a real
 * instant (month 13, 30 February, 25:00). Hand-parsed: Date.parse costs several times more on the hot path.
 */
export function parseTimestamp(iso: string): number | undefined {
  const year = digits(iso, 0, 4);
  const month = digits(iso, 5, 2);
  const day = digits(iso, 8, 2);
  if (!isRealDate(year, month, day)) return undefined;
  const hour = digits(iso, 11, 2);
  const minute = digits(iso, 14, 2);
  let i = 16;
  let second = 0;
  let millis = 0;
  if (iso.charCodeAt(i) === 58 /* : */) {
    second = digits(iso, 17, 2);
    i = 19;
    if (iso.charCodeAt(i) === 46 /* . */) {
      let j = i + 1;
      let scale = 100;
      while (j < iso.length && iso.charCodeAt(j) >= 48 && iso.charCodeAt(j) <= 57) {
        millis += (iso.charCodeAt(j) - 48) * scale;
        scale /= 10;
        j++;
      }
      millis = Math.floor(millis);
      i = j;
    }
  }
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  const sign = iso.charCodeAt(i);
  if (sign === 43 /* + */ || sign === 45 /* - */) {
    const oh = digits(iso, i + 1, 2);
    const om = digits(iso, i + 4, 2);
    if (oh > 18 || om > 59) return undefined;
    offsetMinutes = (sign === 43 ? 1 : -1) * (oh * 60 + om);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

/** Integer value of `n` ASCII digits at `at` (the schema pattern has already checked they are digits). */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let k = at; k < at + n; k++) v = v * 10 + (s.charCodeAt(k) - 48);
  return v;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const max = m === 2 && leap ? 29 : (DAYS_IN_MONTH[m - 1] ?? 0);
  return d <= max;
}

/** True for a real YYYY-MM-DD date (rejects 2026-02-30). */
export function isCalendarDate(ymd: string): boolean {
  return (
    /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(ymd) &&
    isRealDate(digits(ymd, 0, 4), digits(ymd, 5, 2), digits(ymd, 8, 2))
  );
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
