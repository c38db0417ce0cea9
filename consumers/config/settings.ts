// A tiny typed settings table: each setting names its environment variable, default, parser and meaning.
// The worker's config, the README's configuration reference and the ECS task environment all come from
// these tables, so a setting cannot be documented or deployed under a name the code does not read.
import { ConfigError } from "./errors";

export interface Setting<T> {
  /** Environment variable, e.g. FLIGHTPULSE_LEASE_TABLE. */
  readonly env: string;
  readonly description: string;
  /** Used when the variable is unset or empty; a setting without one is required. */
  readonly default?: T;
  /** Shown in docs instead of the literal default (e.g. "derived from the stack name"). */
  readonly defaultText?: string;
  /** True when the Pulumi stack sets it on the worker task (false for local-only and tuning knobs). */
  readonly deployed: boolean;
  /** Parses the raw string; throws an Error whose message says what is expected. */
  readonly parse: (raw: string) => T;
}

export type SettingsSpec = Record<string, Setting<unknown>>;
export type SettingsOf<S extends SettingsSpec> = {
  readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never;
};

/** Reads every setting of `spec` from `env`; collects all problems and throws one ConfigError naming them. */
export function loadSettings<S extends SettingsSpec>(
  spec: S,
  env: Readonly<Record<string, string | undefined>>,
): SettingsOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, setting] of Object.entries(spec)) {
    const raw = env[setting.env];
    if (raw === undefined || raw.trim() === "") {
      if ("default" in setting) out[key] = setting.default;
      else problems.push(`${setting.env} is required (${setting.description})`);
      continue;
    }
    try {
      out[key] = setting.parse(raw.trim());
    } catch (e) {
      problems.push(`${setting.env}=${JSON.stringify(raw)} is invalid: ${(e as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as SettingsOf<S>;
}

// Parsers. Each error message says what a valid value looks like.
export const text =
  (pattern?: RegExp, hint?: string) =>
  (raw: string): string => {
    if (pattern !== undefined && !pattern.test(raw))
      throw new Error(`expected ${hint ?? pattern.toString()}`);
    return raw;
  };

export const integer =
  (min: number, max: number) =>
  (raw: string): number => {
    const n = Number(raw);
    if (!/^-?[0-9]+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new Error(`expected a whole number from ${min} to ${max}`);
    }
    return n;
  };

export const decimal =
  (min: number, max: number) =>
  (raw: string): number => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`expected a number from ${min} to ${max}`);
    return n;
  };

export const oneOf =
  <T extends string>(...values: readonly T[]) =>
  (raw: string): T => {
    if (!(values as readonly string[]).includes(raw)) throw new Error(`expected one of ${values.join(", ")}`);
    return raw as T;
  };

export const boolean = (raw: string): boolean => {
  const v = raw.toLowerCase();
  if (["1", "true", "yes", "on"].includes(v)) return true;
  if (["0", "false", "no", "off"].includes(v)) return false;
  throw new Error("expected true or false");
};

export const url = (raw: string): string => {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error("expected an absolute http(s) URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("expected an http(s) URL");
  return raw.replace(/\/$/, "");
};

export const arn = (service: string) =>
  text(new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:[0-9]{12}:.+$`), `an ${service} ARN`);

/** Markdown rows (setting, default, description) for the README's configuration reference. */
export function settingsTable(spec: SettingsSpec): string {
  const rows = Object.values(spec).map((s) => {
    const def =
      s.defaultText ??
      ("default" in s ? (s.default === undefined ? "(unset)" : `\`${String(s.default)}\``) : "required");
    return `| \`${s.env}\` | ${def} | ${s.description} |`;
  });
  return ["| environment variable | default | meaning |", "|---|---|---|", ...rows].join("\n");
}
