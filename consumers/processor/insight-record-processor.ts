// The record processor of the second lease application: reads the demand-insights stream the Flink SQL
// app writes, decodes each record with the insight contract and loads it into the warehouse's insight
// tables (migration 010). Each insight is a final window result keyed by window and key, and the loader
// MERGEs on that key, so a redelivery replaces itself: checkpoint at the batch end once the warehouse has
// it. A record the contract refuses goes to rejected_events with its reason, never dropped.
import type { RejectionCode } from "../../analytics/events";
import { columnOf, decodeInsight, INSIGHT_TABLES, type Insight } from "../../analytics/insights";
import type { ExtendedSequenceNumber } from "../kcl/lease";
import type { ProcessRecordsInput, RecordProcessor } from "../kcl/record-processor";
import type { Logger } from "../observability/logger";
import type { Row } from "../warehouse/data-api";
import { rejectedRow } from "./booking-record-processor";

/** Where the processor puts rows: the WarehouseLoader, or a test double. */
export interface InsightRowSink {
  add(table: string, rows: readonly Row[]): Promise<void>;
  flush(): Promise<void>;
}

export interface InsightCounters {
  insights: number;
  rejected: number;
}

export interface InsightProcessorDeps {
  readonly warehouse: InsightRowSink;
  readonly log: Logger;
  readonly counters?: InsightCounters;
  readonly now?: () => number;
}

/** Rejected insights share rejected_events with booking events: the stream's name keeps their keys apart. */
export const INSIGHT_SHARD_PREFIX = "demand-insights:";

/** Window bounds as the loader's other timestamps are written (with milliseconds). */
const iso = (bound: string) => bound.replace("Z", ".000Z");

/** The warehouse row of an insight: every field but type and version, under its column name. */
export function insightRow(insight: Insight): { table: string; row: Row } {
  const { type, version: _version, ...fields } = insight;
  const row: Row = {};
  for (const [field, value] of Object.entries(fields) as [string, string | number | null][])
    row[columnOf(field)] = field === "windowStart" || field === "windowEnd" ? iso(value as string) : value;
  return { table: INSIGHT_TABLES[type], row };
}

export class InsightRecordProcessor implements RecordProcessor {
  private shardId = "";
  private log: Logger;
  private readonly now: () => number;

  constructor(private readonly d: InsightProcessorDeps) {
    this.log = d.log;
    this.now = d.now ?? Date.now;
  }

  async initialize(input: { shardId: string; startingPosition: ExtendedSequenceNumber }): Promise<void> {
    this.shardId = input.shardId;
    this.log = this.d.log.child({ shardId: input.shardId, stream: "demand-insights" });
  }

  async processRecords(input: ProcessRecordsInput): Promise<void> {
    if (input.records.length === 0) return;
    const tables = new Map<string, Row[]>();
    const add = (table: string, row: Row) => {
      const rows = tables.get(table) ?? [];
      rows.push(row);
      tables.set(table, rows);
    };
    let rejected = 0;
    for (const r of input.records) {
      const decoded = decodeInsight(r.data);
      if (decoded.ok) {
        const { table, row } = insightRow(decoded.insight);
        add(table, row);
        continue;
      }
      rejected++;
      add(
        "rejected_events",
        rejectedRow(
          {
            code: decoded.code satisfies RejectionCode,
            reason: decoded.reason,
            path: "",
            raw: r.data,
            shardId: `${INSIGHT_SHARD_PREFIX}${this.shardId}`,
            sequenceNumber: r.sequenceNumber,
            subSequenceNumber: r.subSequenceNumber,
          },
          this.now(),
        ),
      );
    }
    for (const [table, rows] of tables) await this.d.warehouse.add(table, rows);
    await this.d.warehouse.flush();
    if (this.d.counters !== undefined) {
      this.d.counters.insights += input.records.length - rejected;
      this.d.counters.rejected += rejected;
    }
    if (rejected > 0) this.log.warn("insight records rejected", { count: rejected });
    await input.checkpointer.checkpoint();
  }

  async leaseLost(): Promise<void> {}

  async shardEnded(input: { checkpointer: { checkpoint(): Promise<boolean> } }): Promise<void> {
    await this.d.warehouse.flush();
    await input.checkpointer.checkpoint();
  }

  async shutdownRequested(input: { checkpointer: { checkpoint(): Promise<boolean> } }): Promise<void> {
    await this.d.warehouse.flush();
    await input.checkpointer.checkpoint();
  }
}
