// Reads AWS Query (awsQuery) form parameters: flat `Name=value` pairs whose names encode lists
// (`X.member.1.Id`) and maps (`X.entry.1.key` / `X.entry.1.Name`), as the SDK v3 SNS client sends them.

export class QueryParams {
  constructor(private readonly params: ReadonlyMap<string, string>) {}

  static parse(body: string): QueryParams {
    const map = new Map<string, string>();
    for (const [k, v] of new URLSearchParams(body)) map.set(k, v);
    return new QueryParams(map);
  }

  get(name: string): string | undefined {
    return this.params.get(name);
  }

  /** Parameters under `prefix.` as a child view (e.g. one list member). */
  child(prefix: string): QueryParams {
    const sub = new Map<string, string>();
    const p = `${prefix}.`;
    for (const [k, v] of this.params) if (k.startsWith(p)) sub.set(k.slice(p.length), v);
    return new QueryParams(sub);
  }

  /** Members of a list `name.member.N` (or `name.entry.N`), in index order. */
  list(name: string, itemTag: "member" | "entry" = "member"): QueryParams[] {
    const indexes = new Set<number>();
    const re = new RegExp(`^${name.replace(/\./g, "\\.")}\\.${itemTag}\\.(\\d+)(\\.|$)`);
    for (const k of this.params.keys()) {
      const m = re.exec(k);
      if (m !== null) indexes.add(Number(m[1]));
    }
    return [...indexes].sort((a, b) => a - b).map((i) => this.child(`${name}.${itemTag}.${i}`));
  }

  /** A string map `name.entry.N.key/value` (Attributes, Tags use key/value or Key/Value). */
  map(name: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.list(name, "entry")) {
      const key = e.get("key") ?? e.get("Key");
      const value = e.get("value") ?? e.get("Value");
      if (key !== undefined && value !== undefined) out[key] = value;
    }
    return out;
  }
}

export interface MessageAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

/** `MessageAttributes.entry.N.Name` + `.Value.DataType/StringValue/BinaryValue`. */
export function messageAttributes(
  q: QueryParams,
  name = "MessageAttributes",
): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const e of q.list(name, "entry")) {
    const attr = e.get("Name");
    const type = e.get("Value.DataType");
    if (attr === undefined || type === undefined) continue;
    const s = e.get("Value.StringValue");
    const b = e.get("Value.BinaryValue");
    out[attr] = {
      DataType: type,
      ...(s !== undefined ? { StringValue: s } : {}),
      ...(b !== undefined ? { BinaryValue: b } : {}),
    };
  }
  return out;
}
