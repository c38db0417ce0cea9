// Decodes a demand-insights record into a typed insight, or says why not (the consumer sends refusals to
// the rejected-events sink, like booking events). Never throws.
import type { TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { RejectionCode } from "../events/decoder";
import { INSIGHT_SCHEMAS, INSIGHT_TYPES, type Insight, type InsightType } from "./schema";

export type InsightDecodeResult =
  | { readonly ok: true; readonly insight: Insight }
  | { readonly ok: false; readonly code: RejectionCode; readonly reason: string };

const VALIDATORS = Object.fromEntries(
  INSIGHT_TYPES.map((t) => [t, TypeCompiler.Compile(INSIGHT_SCHEMAS[t] as TSchema)]),
) as Record<InsightType, ReturnType<typeof TypeCompiler.Compile>>;

const KNOWN: ReadonlySet<string> = new Set(INSIGHT_TYPES);

export function decodeInsight(data: Uint8Array | string): InsightDecodeResult {
  const text = typeof data === "string" ? data : Buffer.from(data).toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, code: "invalid_json", reason: `insight is not JSON (${(e as Error).message})` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, code: "not_an_object", reason: "insight is not a JSON object" };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== "string" || !KNOWN.has(type)) {
    return {
      ok: false,
      code: "unknown_type",
      reason: `/type: unknown insight type ${JSON.stringify(type)} (known: ${INSIGHT_TYPES.join(", ")})`,
    };
  }
  const validator = VALIDATORS[type as InsightType];
  const first = validator.Errors(value).First();
  if (first !== undefined)
    return { ok: false, code: "invalid_field", reason: `${first.path || "/"}: ${first.message}` };
  return { ok: true, insight: value as Insight };
}

/** Epoch ms of a window bound the contract accepted. */
export const windowMs = (bound: string): number => Date.parse(bound);
