// The Data API as the loader and migrations need it: run a batch (one transaction) or a query and wait for
// it. The request itself waits for the statement (WaitTimeSeconds), so a statement that ends within that
// wait costs no DescribeStatement; one that outlasts it is described with the same wait and bounded
// exponential backoff. SDK v3 adapter behind a small port.
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  type Field,
  GetStatementResultCommand,
  type RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { StatementAbortedError, StatementFailedError, StatementTimeoutError } from "./errors";

export type Row = Record<string, string | number | boolean | null>;

export interface DataApi {
  /** Runs the statements as one transaction; resolves when they are committed. */
  batch(sqls: readonly string[]): Promise<void>;
  /** Runs one query and returns its rows (all pages). */
  query(sql: string): Promise<Row[]>;
}

export interface WarehouseTarget {
  readonly database: string;
  readonly workgroupName?: string;
  readonly clusterIdentifier?: string;
  readonly secretArn?: string;
}

export interface PollOptions {
  /**
   * How long each request waits for the statement to end before answering its status (the Data API's
   * `WaitTimeSeconds`, 0–30; default 20). 0 sends none: the request answers at once and DescribeStatement
   * is polled. A DescribeStatement answer carries the statement's whole SQL — a loader batch's megabytes —
   * so a wait that saves polls saves moving the batch back and parsing it, for the worker and the service.
   */
  readonly waitTimeSeconds?: number;
  /** First DescribeStatement delay (default 20 ms), doubling to maxDelayMs (default 1000 ms). */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Give up waiting after this long (default 10 minutes): the statement may still finish. */
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

const fieldValue = (f: Field): string | number | boolean | null => {
  if (f.isNull === true) return null;
  if (f.stringValue !== undefined) return f.stringValue;
  if (f.longValue !== undefined) return f.longValue;
  if (f.doubleValue !== undefined) return f.doubleValue;
  if (f.booleanValue !== undefined) return f.booleanValue;
  return null;
};

/** What a request that ran or waited for a statement says of it. */
interface StatementStatus {
  readonly Status?: string | undefined;
  readonly HasResultSet?: boolean | undefined;
}

export class SdkDataApi implements DataApi {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly waitTimeSeconds: number | undefined;

  constructor(
    private readonly client: RedshiftDataClient,
    private readonly target: WarehouseTarget,
    private readonly poll: PollOptions = {},
  ) {
    this.sleep = poll.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = poll.now ?? Date.now;
    const wait = poll.waitTimeSeconds ?? 20;
    if (!Number.isInteger(wait) || wait < 0 || wait > 30)
      throw new RangeError(`waitTimeSeconds must be a whole number of seconds from 0 to 30, not ${wait}`);
    this.waitTimeSeconds = wait > 0 ? wait : undefined;
  }

  private where() {
    return {
      Database: this.target.database,
      ...(this.target.workgroupName !== undefined ? { WorkgroupName: this.target.workgroupName } : {}),
      ...(this.target.clusterIdentifier !== undefined
        ? { ClusterIdentifier: this.target.clusterIdentifier }
        : {}),
      ...(this.target.secretArn !== undefined ? { SecretArn: this.target.secretArn } : {}),
    };
  }

  /**
   * Waits until the statement ends. `ran` is what the request that ran it answered: FINISHED there needs no
   * DescribeStatement; a failure is described for its error; anything else (or a service that answers no
   * status) is described, each describe waiting as the request did, with bounded backoff between them.
   */
  async wait(id: string, ran?: StatementStatus): Promise<{ hasResultSet: boolean }> {
    if (ran?.Status === "FINISHED") return { hasResultSet: ran.HasResultSet === true };
    const started = this.now();
    let delay = this.poll.initialDelayMs ?? 20;
    for (;;) {
      const d = await this.client.send(new DescribeStatementCommand({ Id: id, ...this.waiting() }));
      if (d.Status === "FINISHED") return { hasResultSet: d.HasResultSet === true };
      if (d.Status === "FAILED") throw new StatementFailedError(id, d.Error ?? "unknown error");
      if (d.Status === "ABORTED") throw new StatementAbortedError(id);
      const waited = this.now() - started;
      if (waited > (this.poll.timeoutMs ?? 600_000)) throw new StatementTimeoutError(id, waited);
      await this.sleep(delay);
      delay = Math.min(delay * 2, this.poll.maxDelayMs ?? 1000);
    }
  }

  private waiting() {
    return this.waitTimeSeconds !== undefined ? { WaitTimeSeconds: this.waitTimeSeconds } : {};
  }

  async batch(sqls: readonly string[]): Promise<void> {
    const ran = await this.client.send(
      new BatchExecuteStatementCommand({ ...this.where(), Sqls: [...sqls], ...this.waiting() }),
    );
    await this.wait(ran.Id as string, ran);
  }

  async query(sql: string): Promise<Row[]> {
    const ran = await this.client.send(
      new ExecuteStatementCommand({ ...this.where(), Sql: sql, ...this.waiting() }),
    );
    const Id = ran.Id as string;
    const { hasResultSet } = await this.wait(Id, ran);
    if (!hasResultSet) return [];
    const rows: Row[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new GetStatementResultCommand({ Id, NextToken: token }));
      const names = (page.ColumnMetadata ?? []).map((c) => c.name ?? "");
      for (const rec of page.Records ?? [])
        rows.push(Object.fromEntries(rec.map((f, i) => [names[i] ?? `c${i}`, fieldValue(f)])));
      token = page.NextToken;
    } while (token !== undefined);
    return rows;
  }
}
