// JSON Schema (draft-04) export of the event contract, the dialect API Gateway request models accept.
// Derived from schema.ts at run time, so the model Pulumi deploys can never drift from the validator.
import { EVENT_SCHEMAS, EVENT_TYPES } from "./schema";

export type JsonSchema = Record<string, unknown>;

export const DRAFT_04 = "http://json-schema.org/draft-04/schema#";
/** PutRecords accepts at most 500 records per call; the batch model says the same. */
export const MAX_BATCH_EVENTS = 500;

/** Rewrites one TypeBox (draft-07 flavoured) schema node into draft-04. */
function toDraft04(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toDraft04);
  if (typeof node !== "object" || node === null) return node;
  const src = node as Record<string, unknown>;
  const anyOf = src["anyOf"];
  if (Array.isArray(anyOf) && anyOf.every((s) => typeof s === "object" && s !== null && "const" in s)) {
    // A union of literals is an enum in draft-04 (which has no `const`).
    const values = anyOf.map((s) => (s as { const: unknown }).const);
    const types = [...new Set(values.map((v) => typeof v))];
    return {
      ...(types.length === 1 ? { type: types[0] } : {}),
      enum: values,
      ...pick(src, ["description", "title"]),
    };
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(src)) {
    if (key === "errorMessage") continue;
    if (key === "const") {
      out["enum"] = [value];
    } else if ((key === "exclusiveMinimum" || key === "exclusiveMaximum") && typeof value === "number") {
      out[key === "exclusiveMinimum" ? "minimum" : "maximum"] = value;
      out[key] = true;
    } else {
      out[key] = toDraft04(value);
    }
  }
  return out;
}

const pick = (o: Record<string, unknown>, keys: string[]) =>
  Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));

/** Plain JSON of a TypeBox schema (drops TypeBox's symbol-keyed metadata). */
const plain = (schema: unknown): unknown => JSON.parse(JSON.stringify(schema));

/** Draft-04 schema of one event type. */
export function eventTypeJsonSchemaDraft04(type: (typeof EVENT_TYPES)[number]): JsonSchema {
  return toDraft04(plain(EVENT_SCHEMAS[type])) as JsonSchema;
}

/** Draft-04 schema of a single event (any type): the API Gateway model for PutRecord. */
export function eventJsonSchemaDraft04(): JsonSchema {
  return {
    $schema: DRAFT_04,
    title: "FlightpulseEvent",
    description:
      "One flightpulse booking-platform event (see the event contract in analytics/events/schema.ts)",
    oneOf: EVENT_TYPES.map((t) => eventTypeJsonSchemaDraft04(t)),
  };
}

/** Draft-04 schema of a batch `{ "events": [...] }`: the API Gateway model for PutRecords. */
export function eventBatchJsonSchemaDraft04(): JsonSchema {
  const { $schema: _drop, ...single } = eventJsonSchemaDraft04();
  return {
    $schema: DRAFT_04,
    title: "FlightpulseEventBatch",
    type: "object",
    required: ["events"],
    additionalProperties: false,
    properties: {
      events: { type: "array", minItems: 1, maxItems: MAX_BATCH_EVENTS, items: single },
    },
  };
}
