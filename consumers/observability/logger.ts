// Structured JSON logs, one object per line, so CloudWatch Logs Insights can filter on shard, lease owner
// and sequence number. Child loggers carry bound fields (a shard consumer binds its shardId once).

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Readonly<Record<string, unknown>>;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Where lines go; defaults to stdout. */
  readonly write?: (line: string) => void;
  readonly now?: () => number;
  readonly fields?: LogFields;
}

/** Fields whose values are secrets wherever they appear in a log line (an ARN naming a secret is not one). */
const SECRET_FIELD = /secret|password|passwd|token|credential|authorization|accesskeyid/i;
const REDACTED = "[redacted]";

/** Errors do not serialise with JSON.stringify; keep their name, code, message and stack. Secrets never. */
function serialise(key: string, value: unknown): unknown {
  if (key !== "" && SECRET_FIELD.test(key) && !/arn$/i.test(key) && value !== undefined && value !== null)
    return REDACTED;
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return {
      name: value.name,
      message: value.message,
      ...(code !== undefined ? { code } : {}),
      stack: value.stack,
    };
  }
  return typeof value === "bigint" ? value.toString() : value;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = RANK[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const make = (bound: LogFields): Logger => {
    const log = (level: LogLevel) => (msg: string, fields?: LogFields) => {
      if (RANK[level] < min) return;
      write(
        JSON.stringify({ time: new Date(now()).toISOString(), level, msg, ...bound, ...fields }, serialise),
      );
    };
    return {
      debug: log("debug"),
      info: log("info"),
      warn: log("warn"),
      error: log("error"),
      child: (fields) => make({ ...bound, ...fields }),
    };
  };
  return make(options.fields ?? {});
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = createLogger({ write: () => {} });
