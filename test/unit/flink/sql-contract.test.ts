// Static check of sql/flink against the two contracts, run without Flink: every column the SQL reads
// exists in the event contract with a compatible type, its filters use the contract's own patterns and
// values, and every sink table has exactly the fields of one insight schema with compatible types.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { TSchema } from "@sinclair/typebox";
import { expect } from "chai";
import {
  BookingCreatedSchema,
  BookingRef,
  Channel,
  EVENT_TYPES,
  IataAirport,
  SearchPerformedSchema,
  Timestamp,
} from "../../../analytics/events";
import { INSIGHT_SCHEMAS, INSIGHT_TYPES, type InsightType } from "../../../analytics/insights";

const ROOT = path.join(__dirname, "..", "..", "..");
const SQL_DIR = path.join(ROOT, "sql", "flink");
const sql = readdirSync(SQL_DIR)
  .filter((f) => f.endsWith(".sql"))
  .sort()
  .map((f) => readFileSync(path.join(SQL_DIR, f), "utf8").replace(/--[^\n]*/g, ""))
  .join("\n");

interface Column {
  readonly name: string;
  readonly type: string;
}

/** Physical columns of a CREATE TABLE (computed columns and the watermark left out). */
function tableColumns(table: string): Column[] {
  const m = new RegExp(`CREATE TABLE ${table} \\(([\\s\\S]*?)\\n\\) WITH`).exec(sql);
  if (m === null) throw new Error(`sql/flink declares no table ${table}`);
  return (m[1] as string)
    .split("\n")
    .map((l) => /^\s*`(\w+)` ([A-Z]+(?:\(\d+\))?),?\s*$/.exec(l))
    .filter((c): c is RegExpExecArray => c !== null)
    .map((c) => ({ name: c[1] as string, type: c[2] as string }));
}

/** What a TypeBox schema admits, reduced to the SQL types that can carry it. */
function sqlTypesFor(schema: TSchema): string[] {
  const s = schema as TSchema & { type?: string; const?: unknown; anyOf?: TSchema[] };
  if (s.anyOf !== undefined) {
    const each = s.anyOf.map(sqlTypesFor);
    return (each[0] ?? []).filter((t) => each.every((e) => e.includes(t)));
  }
  if (s.const !== undefined) return typeof s.const === "string" ? ["STRING"] : ["INT", "BIGINT"];
  switch (s.type) {
    case "string":
      return ["STRING"];
    case "integer":
      return ["INT", "BIGINT"];
    case "number":
      return ["DOUBLE"];
    case "null":
      return ["STRING", "INT", "BIGINT", "DOUBLE"];
    default:
      return [];
  }
}

const properties = (schema: TSchema) =>
  (schema as TSchema & { properties: Record<string, TSchema> }).properties;

describe("sql/flink against the event and insight contracts (static)", () => {
  it("reads only fields the counted events have, with a compatible type", () => {
    const columns = tableColumns("booking_events");
    expect(columns.map((c) => c.name)).to.include.members(["eventId", "type", "occurredAt", "origin"]);
    for (const column of columns) {
      const inSchemas = [SearchPerformedSchema, BookingCreatedSchema]
        .map((s) => properties(s)[column.name])
        .filter((p): p is TSchema => p !== undefined);
      expect(inSchemas, `${column.name} is in no counted event type`).to.not.be.empty;
      for (const field of inSchemas) {
        expect(sqlTypesFor(field), `${column.name} ${column.type}`).to.include(column.type);
      }
    }
  });

  it("filters with the contract's own patterns, values and event types", () => {
    const patterns = [...sql.matchAll(/REGEXP\(`(\w+)`, '([^']+)'\)/g)].map((m) => [m[1], m[2]]);
    expect(patterns).to.deep.include.members([
      ["origin", IataAirport.pattern],
      ["destination", IataAirport.pattern],
      ["bookingRef", BookingRef.pattern],
    ]);
    const channels = /`channel` IN \(([^)]+)\)/
      .exec(sql)?.[1]
      ?.match(/'[^']+'/g)
      ?.map((v) => v.slice(1, -1));
    expect(channels).to.have.members((Channel.anyOf as { const: string }[]).map((c) => c.const));
    for (const m of sql.matchAll(/`type` = '([\w.]+)'/g)) expect(EVENT_TYPES).to.include(m[1]);
    const java = readFileSync(
      path.join(
        ROOT,
        "analytics",
        "flink",
        "runner",
        "src",
        "main",
        "java",
        "com",
        "flightpulse",
        "flink",
        "ParseInstant.java",
      ),
      "utf8",
    );
    const javaPattern = /Pattern\.compile\(\s*"((?:[^"\\]|\\.)*)"\)/.exec(java)?.[1]?.replace(/\\\\/g, "\\");
    expect(javaPattern, "parse_instant accepts exactly the contract's timestamps").to.equal(
      Timestamp.pattern,
    );
  });

  it("writes each insight type to a sink table whose columns are exactly its schema's fields", () => {
    const seen: InsightType[] = [];
    for (const m of sql.matchAll(/INSERT INTO (\w+)\s+SELECT\s+'([\w.-]+)',\s+1,/g)) {
      const [table, type] = [m[1] as string, m[2] as InsightType];
      expect(INSIGHT_TYPES, table).to.include(type);
      seen.push(type);
      const schemaFields = properties(INSIGHT_SCHEMAS[type]);
      const columns = tableColumns(table);
      expect(columns.map((c) => c.name)).to.have.members(Object.keys(schemaFields));
      for (const c of columns) {
        expect(sqlTypesFor(schemaFields[c.name] as TSchema), `${table}.${c.name}`).to.include(c.type);
      }
    }
    expect(seen).to.have.members([...INSIGHT_TYPES]);
    expect(sql.match(/INSERT INTO/g)).to.have.length(INSIGHT_TYPES.length);
  });
});
