// SNS subscription filter policies over message attributes: AND across keys, OR within a key's list;
// rules: exact string or number, {"prefix"}, {"anything-but"}, {"numeric": [op, n, ...]}, {"exists"}.
import type { MessageAttributeValue } from "./query-params";

type Rule = string | number | { readonly [op: string]: unknown };

export class FilterPolicyError extends Error {}

export function parseFilterPolicy(json: string): Record<string, Rule[]> {
  let policy: unknown;
  try {
    policy = JSON.parse(json);
  } catch {
    throw new FilterPolicyError("FilterPolicy: failed to parse JSON");
  }
  if (typeof policy !== "object" || policy === null || Array.isArray(policy)) {
    throw new FilterPolicyError("FilterPolicy: must be a JSON object");
  }
  for (const [k, v] of Object.entries(policy)) {
    if (!Array.isArray(v)) throw new FilterPolicyError(`FilterPolicy: value of ${k} must be an array`);
  }
  return policy as Record<string, Rule[]>;
}

function values(attr: MessageAttributeValue): (string | number)[] {
  if (attr.DataType === "Number") return [Number(attr.StringValue)];
  if (attr.DataType === "String.Array") {
    try {
      const arr = JSON.parse(attr.StringValue ?? "[]");
      return Array.isArray(arr) ? arr.filter((x) => typeof x === "string" || typeof x === "number") : [];
    } catch {
      return [];
    }
  }
  return attr.DataType.startsWith("String") ? [attr.StringValue ?? ""] : [];
}

const NUMERIC: Record<string, (a: number, b: number) => boolean> = {
  "=": (a, b) => a === b,
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
};

function ruleMatches(rule: Rule, value: string | number | undefined): boolean {
  if (typeof rule === "string" || typeof rule === "number") return value === rule;
  if ("exists" in rule) return (value !== undefined) === rule["exists"];
  if (value === undefined) return false;
  if ("prefix" in rule) return typeof value === "string" && value.startsWith(String(rule["prefix"]));
  if ("anything-but" in rule) {
    const but = rule["anything-but"];
    const list = Array.isArray(but) ? but : [but];
    return !list.includes(value);
  }
  if ("numeric" in rule && Array.isArray(rule["numeric"])) {
    if (typeof value !== "number") return false;
    const ops = rule["numeric"] as unknown[];
    for (let i = 0; i + 1 < ops.length; i += 2) {
      const test = NUMERIC[String(ops[i])];
      if (test === undefined || !test(value, Number(ops[i + 1]))) return false;
    }
    return true;
  }
  return false;
}

export function matchesFilterPolicy(
  policy: Record<string, Rule[]>,
  attrs: Readonly<Record<string, MessageAttributeValue>>,
): boolean {
  return Object.entries(policy).every(([key, rules]) => {
    const attr = attrs[key];
    const vals = attr === undefined ? [undefined] : values(attr);
    return rules.some((rule) => vals.some((v) => ruleMatches(rule, v)));
  });
}
