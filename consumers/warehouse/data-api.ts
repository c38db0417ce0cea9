// The Data API as the loader and migrations need it: run a batch (one transaction) or a query and wait for
// it, polling DescribeStatement with bounded exponential backoff. SDK v3 adapter behind a small port.
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

export class SdkDataApi implements DataApi {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly client: RedshiftDataClient,
    private readonly target: WarehouseTarget,
    private readonly poll: PollOptions = {},
  ) {
    this.sleep = poll.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = poll.now ?? Date.now;
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

  /** Polls until the statement ends; bounded backoff, so a slow warehouse costs few calls. */
  async wait(id: string): Promise<{ hasResultSet: boolean }> {
    const started = this.now();
    let delay = this.poll.initialDelayMs ?? 20;
    for (;;) {
      const d = await this.client.send(new DescribeStatementCommand({ Id: id }));
      if (d.Status === "FINISHED") return { hasResultSet: d.HasResultSet === true };
      if (d.Status === "FAILED") throw new StatementFailedError(id, d.Error ?? "unknown error");
      if (d.Status === "ABORTED") throw new StatementAbortedError(id);
      const waited = this.now() - started;
      if (waited > (this.poll.timeoutMs ?? 600_000)) throw new StatementTimeoutError(id, waited);
      await this.sleep(delay);
      delay = Math.min(delay * 2, this.poll.maxDelayMs ?? 1000);
    }
  }

  async batch(sqls: readonly string[]): Promise<void> {
    const { Id } = await this.client.send(
      new BatchExecuteStatementCommand({ ...this.where(), Sqls: [...sqls] }),
    );
    await this.wait(Id as string);
  }

  async query(sql: string): Promise<Row[]> {
    const { Id } = await this.client.send(new ExecuteStatementCommand({ ...this.where(), Sql: sql }));
    const { hasResultSet } = await this.wait(Id as string);
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
