// Applies sql/redshift/NNN_name.sql in order through the Data API, each migration's statements and its
// schema_migrations row in one transaction, so a migration is applied whole or not at all and running the
// runner again is a no-op.
import * as fs from "node:fs";
import * as path from "node:path";
import type { DataApi } from "./data-api";
import { literal } from "./sql-literals";
import { splitStatements } from "./sql-script";

export const MIGRATIONS_DIR = path.join(__dirname, "..", "..", "sql", "redshift");

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = fs
    .readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 3)),
      name: f.replace(/\.sql$/, ""),
      statements: splitStatements(fs.readFileSync(path.join(dir, f), "utf8")),
    }));
  const versions = migrations.map((m) => m.version);
  if (new Set(versions).size !== versions.length) throw new Error(`duplicate migration version in ${dir}`);
  return migrations;
}

export interface MigrationReport {
  readonly applied: string[];
  readonly alreadyApplied: string[];
}

export async function migrate(
  api: DataApi,
  migrations = readMigrations(),
  log: (line: string) => void = () => {},
): Promise<MigrationReport> {
  await api.batch([
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL, name VARCHAR(256) NOT NULL, applied_at TIMESTAMP NOT NULL, PRIMARY KEY (version))",
  ]);
  const done = new Set(
    (await api.query("SELECT version FROM schema_migrations")).map((r) => Number(r["version"])),
  );
  const applied: string[] = [];
  const alreadyApplied: string[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) {
      alreadyApplied.push(m.name);
      continue;
    }
    log(`migration ${m.name}: ${m.statements.length} statement(s)`);
    await api.batch([
      ...m.statements,
      `INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, ${literal(m.name)}, GETDATE())`,
    ]);
    applied.push(m.name);
  }
  return { applied, alreadyApplied };
}
