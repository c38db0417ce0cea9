// A Redshift Data API endpoint for the local stack, answering the real @aws-sdk/client-redshift-data
// (JSON 1.1, X-Amz-Target: RedshiftData.<Operation>) over embedded Postgres. Statements run
// asynchronously, one at a time, through SUBMITTED → PICKED → STARTED → FINISHED / FAILED / ABORTED;
// Redshift's limits (100 KB per statement, 40 per batch, a request's wait at most 30 s) and refusals (see
// dialect.ts) are enforced.
import { randomUUID } from "node:crypto";
import { AwsJsonError, startAwsJsonServer } from "../emulators/aws-json-server";
import { type ColumnTypes, copyLiteralInsert, copyLiteralInserts, literalInsertTarget } from "./bulk-insert";
import { bindNamed, RedshiftDialectError, toPostgres } from "./dialect";
import { pgliteBackend, postgresBackend, type SqlBackend, type SqlResult } from "./sql-backend";

export const MAX_STATEMENT_BYTES = 100 * 1024;
export const MAX_BATCH_STATEMENTS = 40;
/** The most a request may wait for its statement (`WaitTimeSeconds`). */
export const MAX_WAIT_SECONDS = 30;
/** How long the service keeps a statement's description and results. */
const STATEMENT_TTL_MS = 24 * 3_600_000;

type Status = "SUBMITTED" | "PICKED" | "STARTED" | "FINISHED" | "FAILED" | "ABORTED";
type Field =
  | { stringValue: string }
  | { longValue: number }
  | { doubleValue: number }
  | { booleanValue: boolean }
  | { isNull: true };

interface SubStatement {
  id: string;
  sql: string;
  status: Status;
  error?: string;
  resultRows: number;
  hasResultSet: boolean;
  durationNs: number;
  createdAt: number;
  updatedAt: number;
  result?: { columns: ReturnType<typeof columnMetadata>; records: Field[][] };
}

interface Statement extends SubStatement {
  /** Its place in submission order from 1 (`RedshiftQueryId`). */
  queryId: number;
  database: string;
  workgroup?: string;
  cluster?: string;
  name?: string;
  isBatch: boolean;
  transaction: boolean;
  params: Map<string, string>;
  subs: SubStatement[];
  done: Promise<void>;
  finish: () => void;
}

/** 40 statements of at most 100 KB each, their parameters and the JSON around them fit well inside this. */
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

const validation = (m: string) => new AwsJsonError("ValidationException", m);
const serialization = (m: string) => new AwsJsonError("SerializationException", m);

type MemberType = "string" | "number" | "boolean" | "string[]" | "parameters";
/** The request members the operations read, with their types in the Data API's JSON model. */
const MEMBER_TYPES: Record<string, MemberType> = {
  Sql: "string",
  Sqls: "string[]",
  Id: "string",
  Database: "string",
  WorkgroupName: "string",
  ClusterIdentifier: "string",
  SecretArn: "string",
  DbUser: "string",
  StatementName: "string",
  ExecutionMode: "string",
  ResultFormat: "string",
  ClientToken: "string",
  Status: "string",
  NextToken: "string",
  WaitTimeSeconds: "number",
  MaxResults: "number",
  WithEvent: "boolean",
  RoleLevel: "boolean",
  Parameters: "parameters",
};

const isParameter = (p: unknown) =>
  typeof p === "object" &&
  p !== null &&
  typeof (p as { name?: unknown }).name === "string" &&
  typeof (p as { value?: unknown }).value === "string";

/**
 * The request body as the service reads it: a JSON object whose members have their model's types. Anything
 * else is a SerializationException naming the member, as the service answers a malformed request.
 */
function parseInput(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let input: unknown;
  try {
    input = JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw serialization(`the request body is not JSON (${(e as Error).message})`);
  }
  if (typeof input !== "object" || input === null || Array.isArray(input))
    throw serialization("the request body must be a JSON object");
  for (const [member, value] of Object.entries(input)) {
    const type = MEMBER_TYPES[member];
    if (type === undefined || value === null) continue;
    const ok =
      type === "string[]"
        ? Array.isArray(value) && value.every((v) => typeof v === "string")
        : type === "parameters"
          ? Array.isArray(value) && value.every(isParameter)
          : typeof value === type;
    if (!ok)
      throw serialization(
        `${member} must be ${type === "parameters" ? "a list of {name, value} strings" : `a ${type}`}`,
      );
  }
  return input as Record<string, unknown>;
}

const TYPE_NAMES: Record<number, string> = {
  16: "bool",
  20: "int8",
  21: "int2",
  23: "int4",
  25: "text",
  700: "float4",
  701: "float8",
  1042: "bpchar",
  1043: "varchar",
  1082: "date",
  1114: "timestamp",
  1184: "timestamptz",
  1700: "numeric",
};

function columnMetadata(fields: SqlResult["fields"]) {
  return fields.map((f) => ({
    name: f.name,
    label: f.name,
    typeName: TYPE_NAMES[f.dataTypeID] ?? "varchar",
    nullable: 1,
    isCaseSensitive: [25, 1042, 1043].includes(f.dataTypeID),
    isSigned: [20, 21, 23, 700, 701, 1700].includes(f.dataTypeID),
    isCurrency: false,
    schemaName: "",
    tableName: "",
    length: 0,
    precision: 0,
    scale: 0,
  }));
}

/**
 * Values as the Data API types them: integers as longValue, DECIMAL, DATE and timestamps as strings in the
 * database's own text form (`2026-12-01 10:30:00.12`, microseconds kept, `+00` on TIMESTAMPTZ).
 */
function toField(value: unknown, typeId: number): Field {
  if (value === null || value === undefined) return { isNull: true };
  if (typeof value === "boolean") return { booleanValue: value };
  if (typeof value === "bigint") return { longValue: Number(value) };
  if (typeof value === "number")
    return [20, 21, 23].includes(typeId) ? { longValue: value } : { doubleValue: value };
  return { stringValue: String(value) };
}

export interface RedshiftDataServerOptions {
  readonly port?: number;
  /** Keep the warehouse on disk here; in memory when unset. */
  readonly dataDir?: string;
  /** A real PostgreSQL server instead of pglite, e.g. postgres://user@127.0.0.1:5432/dev. */
  readonly postgresUrl?: string;
  /** That server's data is thrown away with the stack (its tables are created UNLOGGED). */
  readonly postgresEphemeral?: boolean;
  /** Use this backend instead of creating one (tests share one). */
  readonly backend?: SqlBackend;
  /** Records per GetStatementResult page (default 1000). */
  readonly pageSize?: number;
  /**
   * Ended statements kept to be described, listed and read (default 10,000); the oldest go first, and
   * none outlives 24 hours, as in the service. Each holds its SQL and results: kept without end, a
   * long-running local stack's endpoint would grow by every batch it ever loaded.
   */
  readonly retainStatements?: number;
}

export interface RedshiftDataServer {
  readonly name: "redshift-data";
  readonly endpoint: string;
  readonly pid: number;
  /** Runs SQL directly (no Data API), e.g. for benchmarks' baselines and test assertions. */
  readonly backend: SqlBackend;
  stop(): Promise<void>;
}

const seconds = (ms: number) => ms / 1000;

export async function startRedshiftDataServer(
  options: RedshiftDataServerOptions = {},
): Promise<RedshiftDataServer> {
  const backend =
    options.backend ??
    (options.postgresUrl !== undefined
      ? await postgresBackend(options.postgresUrl, { ephemeral: options.postgresEphemeral === true })
      : await pgliteBackend(options.dataDir));
  const pageSize = options.pageSize ?? 1000;
  const statements = new Map<string, Statement>();
  const order: string[] = [];
  const queue: Statement[] = [];
  let running = false;
  let lastQueryId = 0;
  const retain = options.retainStatements ?? 10_000;
  const ended = (st: Statement) =>
    st.status === "FINISHED" || st.status === "FAILED" || st.status === "ABORTED";
  /** Forgets the oldest ended statements past the retention (by count, or 24 hours old). */
  const prune = () => {
    const expired = Date.now() - STATEMENT_TTL_MS;
    for (;;) {
      const oldest = statements.get(order[0] ?? "");
      if (oldest === undefined || !ended(oldest)) return;
      if (order.length <= retain && oldest.createdAt >= expired) return;
      statements.delete(oldest.id);
      order.shift();
    }
  };

  // A batch's statements are translated once (grouping inserts reads them before they run), for as long as
  // it runs.
  const translated = new WeakMap<SubStatement, string>();
  const postgresSql = (sub: SubStatement): string => {
    let sql = translated.get(sub);
    if (sql === undefined) {
      sql = toPostgres(sub.sql, { unlogged: backend.ephemeral === true }).sql;
      translated.set(sub, sql);
    }
    return sql;
  };

  const runOne = async (
    sub: SubStatement,
    params: Map<string, string>,
    inTransaction: boolean,
    types: ColumnTypes,
  ) => {
    const started = process.hrtime.bigint();
    sub.status = "STARTED";
    sub.updatedAt = Date.now();
    const sql = postgresSql(sub);
    const copied =
      params.size === 0 ? await copyLiteralInsert(backend, sql, inTransaction, types) : undefined;
    // Anything else may change a table's columns: their types are read again.
    if (copied === undefined) types.clear();
    if (copied !== undefined) {
      sub.hasResultSet = false;
      sub.resultRows = copied;
      sub.durationNs = Number(process.hrtime.bigint() - started);
      sub.status = "FINISHED";
      sub.updatedAt = Date.now();
      return;
    }
    const bound = params.size > 0 ? bindNamed(sql, params) : { sql, values: undefined };
    const result = await backend.query(bound.sql, bound.values, { timesAsText: true });
    sub.hasResultSet = result.fields.length > 0;
    sub.resultRows = sub.hasResultSet ? result.rows.length : (result.affectedRows ?? 0);
    if (sub.hasResultSet) {
      sub.result = {
        columns: columnMetadata(result.fields),
        records: result.rows.map((row) => result.fields.map((f, i) => toField(row[i], f.dataTypeID))),
      };
    }
    sub.durationNs = Number(process.hrtime.bigint() - started);
    sub.status = "FINISHED";
    sub.updatedAt = Date.now();
  };

  /**
   * The sub-statements from `from` on that insert literals into one table's same columns (the loader's
   * staging inserts), at least the first whatever it is.
   */
  const insertRun = (subs: readonly SubStatement[], from: number): SubStatement[] => {
    const targetOf = (sub: SubStatement) => {
      try {
        return literalInsertTarget(postgresSql(sub));
      } catch {
        return undefined; // Refused by the dialect: runOne reports it as the statement's error.
      }
    };
    const target = targetOf(subs[from] as SubStatement);
    let to = from + 1;
    if (target !== undefined) while (to < subs.length && targetOf(subs[to] as SubStatement) === target) to++;
    return subs.slice(from, to);
  };

  /** Loads a run of literal inserts as one COPY; false (nothing changed) when they must run one by one. */
  const copyRun = async (run: readonly SubStatement[], inTransaction: boolean, types: ColumnTypes) => {
    const started = process.hrtime.bigint();
    const sqls = run.map(postgresSql);
    // Anything that fails here is the statements' to report: they run one by one.
    const copied = await copyLiteralInserts(backend, sqls, inTransaction, types).catch(() => undefined);
    if (copied === undefined) return false;
    const total = copied.reduce((n, rows) => n + rows, 0);
    const ns = Number(process.hrtime.bigint() - started);
    const now = Date.now();
    run.forEach((sub, k) => {
      const rows = copied[k] as number;
      sub.hasResultSet = false;
      sub.resultRows = rows;
      // The COPY's time shared by rows: Redshift reports each statement's own.
      sub.durationNs = Math.round((ns * rows) / total);
      sub.status = "FINISHED";
      sub.updatedAt = now;
    });
    return true;
  };

  const fail = (s: SubStatement, e: unknown) => {
    const message = e instanceof RedshiftDialectError ? e.message : (e as Error).message;
    s.status = "FAILED";
    s.error = message.startsWith("ERROR:") ? message : `ERROR: ${message}`;
    s.updatedAt = Date.now();
  };

  const execute = async (st: Statement) => {
    const started = process.hrtime.bigint();
    st.status = "STARTED";
    st.updatedAt = Date.now();
    const subs = st.isBatch ? st.subs : [st];
    const transactional = st.isBatch && st.transaction;
    if (transactional) await backend.query("BEGIN");
    let failed: SubStatement | undefined;
    const types: ColumnTypes = new Map();
    for (let i = 0; i < subs.length && failed === undefined; ) {
      if ((st.status as Status) === "ABORTED") break;
      const run = st.params.size === 0 ? insertRun(subs, i) : subs.slice(i, i + 1);
      i += run.length;
      if (run.length > 1 && (await copyRun(run, transactional, types))) continue;
      for (const sub of run) {
        if ((st.status as Status) === "ABORTED") break;
        try {
          await runOne(sub, st.params, transactional, types);
        } catch (e) {
          fail(sub, e);
          failed = sub;
          break;
        }
      }
    }
    // The translations are 100 KB each for the loader's batches, and the statement is kept for a day.
    for (const sub of subs) translated.delete(sub);
    if (transactional) await backend.query(failed === undefined ? "COMMIT" : "ROLLBACK");
    if (st.isBatch) {
      for (const sub of subs)
        if (sub.status === "SUBMITTED" || sub.status === "PICKED") sub.status = "ABORTED";
      if (failed !== undefined) {
        st.status = "FAILED";
        st.error = `${failed.error} (sub-statement ${failed.id.split(":")[1]})`;
      } else {
        st.status = "FINISHED";
      }
      st.resultRows = subs.reduce((n, s) => n + s.resultRows, 0);
      st.hasResultSet = subs.some((s) => s.hasResultSet);
    }
    st.durationNs = Number(process.hrtime.bigint() - started);
    st.updatedAt = Date.now();
  };

  const pump = async () => {
    if (running) return;
    running = true;
    for (let st = queue.shift(); st !== undefined; st = queue.shift()) {
      if (st.status === "ABORTED") {
        st.finish();
        continue;
      }
      st.status = "PICKED";
      for (const s of st.subs) s.status = "PICKED";
      await execute(st).catch((e) => fail(st, e));
      st.finish();
      prune();
    }
    running = false;
  };

  const checkSize = (sql: string) => {
    if (Buffer.byteLength(sql) > MAX_STATEMENT_BYTES) {
      throw validation("Cannot process query string larger than 100kB");
    }
  };

  const submit = (input: Record<string, unknown>, sqls: string[], isBatch: boolean): Statement => {
    const workgroup = input["WorkgroupName"] as string | undefined;
    const cluster = input["ClusterIdentifier"] as string | undefined;
    if (workgroup === undefined && cluster === undefined) {
      throw validation("Either WorkgroupName or ClusterIdentifier must be specified");
    }
    if (workgroup !== undefined && cluster !== undefined) {
      throw validation("Specify either WorkgroupName or ClusterIdentifier, not both");
    }
    for (const sql of sqls) checkSize(sql);
    const params = new Map<string, string>();
    for (const p of (input["Parameters"] as { name: string; value: string }[] | undefined) ?? [])
      params.set(p.name, p.value);
    const id = randomUUID();
    const now = Date.now();
    const sub = (sql: string, i: number): SubStatement => ({
      id: `${id}:${i + 1}`,
      sql,
      status: "SUBMITTED",
      resultRows: -1,
      hasResultSet: false,
      durationNs: 0,
      createdAt: now,
      updatedAt: now,
    });
    let finish = () => {};
    const done = new Promise<void>((r) => {
      finish = r;
    });
    const st: Statement = {
      ...sub(sqls.join("; "), 0),
      id,
      queryId: ++lastQueryId,
      database: (input["Database"] as string | undefined) ?? "dev",
      ...(workgroup !== undefined ? { workgroup } : {}),
      ...(cluster !== undefined ? { cluster } : {}),
      ...(input["StatementName"] !== undefined ? { name: input["StatementName"] as string } : {}),
      isBatch,
      transaction: (input["ExecutionMode"] ?? "TRANSACTION") !== "AUTO_COMMIT",
      params,
      subs: isBatch ? sqls.map(sub) : [],
      done,
      finish,
    };
    if (!isBatch) st.sql = sqls[0] as string;
    statements.set(id, st);
    order.push(id);
    queue.push(st);
    void pump();
    return st;
  };

  const find = (id: unknown): { st: Statement; sub?: SubStatement } => {
    const [base, n] = String(id ?? "").split(":");
    const st = statements.get(base ?? "");
    if (st === undefined) throw new AwsJsonError("ResourceNotFoundException", `Query does not exist: ${id}`);
    if (n === undefined) return { st };
    const sub = st.subs[Number(n) - 1];
    if (sub === undefined) throw new AwsJsonError("ResourceNotFoundException", `Query does not exist: ${id}`);
    return { st, sub };
  };

  /** A request's `WaitTimeSeconds` (0–30), refused before anything is submitted. */
  const waitSeconds = (input: Record<string, unknown>): number => {
    const wait = (input["WaitTimeSeconds"] as number | undefined) ?? 0;
    if (!Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT_SECONDS)
      throw validation(
        `1 validation error detected: Value '${wait}' at 'waitTimeSeconds' failed to satisfy constraint: Member must have value between 0 and ${MAX_WAIT_SECONDS}`,
      );
    return wait;
  };

  /** The request answers when the statement ends or its wait runs out. */
  const waitFor = async (st: Statement, wait: number) => {
    if (wait === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([st.done, new Promise((r) => (timer = setTimeout(r, wait * 1000)))]);
    clearTimeout(timer);
  };

  const describeSub = (s: SubStatement) => ({
    Id: s.id,
    Status: s.status,
    QueryString: s.sql,
    ResultRows: s.resultRows,
    HasResultSet: s.hasResultSet,
    Duration: s.durationNs,
    CreatedAt: seconds(s.createdAt),
    UpdatedAt: seconds(s.updatedAt),
    ...(s.error !== undefined ? { Error: s.error } : {}),
  });

  // The status as of the answer: FINISHED when the statement ended within the request's wait.
  const submitted = (st: Statement) => ({
    Id: st.id,
    CreatedAt: seconds(st.createdAt),
    Database: st.database,
    ...(st.workgroup !== undefined ? { WorkgroupName: st.workgroup } : { ClusterIdentifier: st.cluster }),
    Status: st.status,
    ...(st.status === "FINISHED" ? { HasResultSet: st.hasResultSet } : {}),
    RedshiftPid: process.pid,
  });

  const ops: Record<string, (input: Record<string, unknown>) => Promise<unknown>> = {
    ExecuteStatement: async (input) => {
      const sql = input["Sql"];
      if (typeof sql !== "string" || sql.trim() === "") throw validation("Sql is required");
      const wait = waitSeconds(input);
      const st = submit(input, [sql], false);
      await waitFor(st, wait);
      return submitted(st);
    },
    BatchExecuteStatement: async (input) => {
      const sqls = input["Sqls"];
      if (!Array.isArray(sqls) || sqls.length === 0)
        throw validation("Sqls must hold at least one statement");
      if (sqls.length > MAX_BATCH_STATEMENTS) {
        throw validation(
          `1 validation error detected: Value at 'sqls' failed to satisfy constraint: Member must have length less than or equal to ${MAX_BATCH_STATEMENTS}`,
        );
      }
      const wait = waitSeconds(input);
      const st = submit(input, sqls as string[], true);
      await waitFor(st, wait);
      return submitted(st);
    },
    DescribeStatement: async (input) => {
      const wait = waitSeconds(input);
      const { st, sub } = find(input["Id"]);
      await waitFor(st, wait);
      if (sub !== undefined) return describeSub(sub);
      return {
        ...describeSub(st),
        Database: st.database,
        ...(st.workgroup !== undefined ? { WorkgroupName: st.workgroup } : { ClusterIdentifier: st.cluster }),
        RedshiftPid: process.pid,
        RedshiftQueryId: st.queryId,
        ...(st.isBatch ? { SubStatements: st.subs.map(describeSub) } : {}),
      };
    },
    GetStatementResult: async (input) => {
      const { st, sub } = find(input["Id"]);
      const target = sub ?? st;
      if (st.isBatch && sub === undefined)
        throw validation("Use a sub-statement id (<id>:<n>) to get a batch statement's results");
      if (target.status !== "FINISHED")
        throw validation(`Query ${target.id} is not finished: ${target.status}`);
      if (target.result === undefined)
        throw new AwsJsonError("ResourceNotFoundException", `Query ${target.id} does not have result`);
      const offset =
        input["NextToken"] === undefined
          ? 0
          : Number(Buffer.from(String(input["NextToken"]), "base64url").toString());
      const page = target.result.records.slice(offset, offset + pageSize);
      const next =
        offset + pageSize < target.result.records.length
          ? Buffer.from(String(offset + pageSize)).toString("base64url")
          : undefined;
      return {
        Records: page,
        ColumnMetadata: target.result.columns,
        TotalNumRows: target.result.records.length,
        ...(next !== undefined ? { NextToken: next } : {}),
      };
    },
    CancelStatement: async (input) => {
      const { st } = find(input["Id"]);
      if (st.status === "FINISHED" || st.status === "FAILED" || st.status === "ABORTED") {
        throw validation(`Could not cancel a query that is already in ${st.status} state with ID: ${st.id}`);
      }
      if (st.status === "STARTED") return { Status: false };
      st.status = "ABORTED";
      st.updatedAt = Date.now();
      for (const s of st.subs) s.status = "ABORTED";
      return { Status: true };
    },
    ListStatements: async (input) => {
      const status = (input["Status"] as string | undefined) ?? "ALL";
      const name = input["StatementName"] as string | undefined;
      const max = Number(input["MaxResults"] ?? 100);
      const all = [...order]
        .reverse()
        .map((id) => statements.get(id) as Statement)
        .filter(
          (s) =>
            (status === "ALL" || s.status === status) && (name === undefined || s.name?.startsWith(name)),
        );
      const offset =
        input["NextToken"] === undefined
          ? 0
          : Number(Buffer.from(String(input["NextToken"]), "base64url").toString());
      const page = all.slice(offset, offset + max);
      return {
        Statements: page.map((s) => ({
          Id: s.id,
          Status: s.status,
          CreatedAt: seconds(s.createdAt),
          UpdatedAt: seconds(s.updatedAt),
          IsBatchStatement: s.isBatch,
          ...(s.isBatch ? { QueryStrings: s.subs.map((x) => x.sql) } : { QueryString: s.sql }),
          ...(s.name !== undefined ? { StatementName: s.name } : {}),
        })),
        ...(offset + max < all.length
          ? { NextToken: Buffer.from(String(offset + max)).toString("base64url") }
          : {}),
      };
    },
  };

  const server = await startAwsJsonServer({
    targetPrefix: "RedshiftData",
    operations: ops,
    parseInput,
    maxRequestBytes: MAX_REQUEST_BYTES,
    port: options.port,
    portSetting: "--redshift-data-port",
  }).catch(async (e: unknown) => {
    if (options.backend === undefined) await backend.close().catch(() => {});
    throw e;
  });
  return {
    name: "redshift-data",
    endpoint: server.endpoint,
    pid: process.pid,
    backend,
    stop: async () => {
      await server.close();
      if (options.backend === undefined) await backend.close();
    },
  };
}
