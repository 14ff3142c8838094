import { createHash } from "node:crypto";
import type { DatabaseError, MigrationDatabase } from "./database.js";
import { compareVersions, type MigrationFile } from "./files.js";
import { readCatalogue } from "./catalogue.js";
import { lintContext, lintMigration, type Finding, type LintError } from "./lint.js";
import { splitStatements, type SqlParser, type Statement } from "./statements.js";

/** A finding nobody acknowledged, as a problem of the report. */
export function findingError(f: Finding): string {
  return `\`${f.file}\` line ${f.line}: ${f.rule}: ${f.reason} ${f.fix} (Or acknowledge it: \`-- shipline:allow ${f.rule} <reason>\`.)`;
}

export type MigrateMode = "plan" | "apply" | "status" | "repair";

export interface MigrateOptions {
  db: MigrationDatabase;
  migrations: MigrationFile[];
  parse: SqlParser;
  mode: MigrateMode;
  /** Where the history table lives: validated identifiers (see the action's inputs). */
  schema: string;
  table: string;
  /** `lock_timeout` and `statement_timeout` set for each migration. */
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  /** How long to wait for another migrator to finish before failing. */
  lockWaitMs: number;
  installedBy: string;
  /** For `command` mode: runs the team's own migrator while the lock is held; its exit code. */
  command?: () => Promise<number>;
  log?: (line: string) => void;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface HistoryRow {
  installed_rank: number;
  version: string | null;
  name: string;
  kind: string;
  file: string;
  checksum: string;
  installed_by: string;
  installed_at: string;
  execution_ms: number;
  success: boolean;
}

export interface MigrationOutcome {
  file: string;
  version: string | null;
  name: string;
  ms: number;
}

export interface MigrateReport {
  mode: MigrateMode;
  ok: boolean;
  where: string;
  /** Migrations not applied yet (for plan and status: what apply would run). */
  pending: Array<{ file: string; version: string | null; name: string; kind: string; transactional: boolean }>;
  applied: MigrationOutcome[];
  findings: Finding[];
  /** Everything that failed the run, each naming the file and the fix. */
  errors: string[];
  /** Applied migrations whose file is gone (reported, not an error). */
  missing: string[];
  repaired: string[];
  lockWaitedMs: number;
  durationMs: number;
  commandExitCode?: number;
}

/** The history table's name, quoted. */
function qualified(schema: string, table: string): string {
  return `"${schema.replace(/"/g, '""')}"."${table.replace(/"/g, '""')}"`;
}

/** The advisory lock key of one history table: every migrator of that table agrees on it. */
export function lockKey(schema: string, table: string): string {
  return createHash("sha256").update(`shipline:${schema}.${table}`).digest().readBigInt64BE(0).toString();
}

/** A database error, as the user needs it: the file, the line, PostgreSQL's own words. */
function describeFailure(migration: MigrationFile, statement: Statement, error: unknown): string {
  const e = error as DatabaseError;
  const position = Number(e.position);
  const line = Number.isFinite(position) && position > 0 ? statement.line + statement.text.slice(0, position - 1).split("\n").length - 1 : statement.line;
  const code = e.code ? ` (SQLSTATE ${e.code})` : "";
  return `\`${migration.file}\` line ${line}: ${e.message ?? String(error)}${code}. Nothing of this migration was applied${migration.transactional ? "" : " after the statements before this one (it runs outside a transaction)"}.`;
}

async function readHistory(db: MigrationDatabase, table: string): Promise<HistoryRow[] | null> {
  const exists = await db.query<{ found: string | null }>("SELECT to_regclass($1)::text AS found", [table]);
  if (!exists[0]?.found) return null;
  return db.query<HistoryRow>(`SELECT installed_rank, version, name, kind, file, checksum, installed_by, installed_at::text AS installed_at, execution_ms, success FROM ${table} ORDER BY installed_rank`);
}

interface Comparison {
  pending: MigrationFile[];
  errors: string[];
  missing: string[];
  drifted: Array<{ migration: MigrationFile; row: HistoryRow }>;
}

/** Files against history: what is pending, what drifted, what failed half-way before. */
function compare(migrations: MigrationFile[], history: HistoryRow[]): Comparison {
  const errors: string[] = [];
  const drifted: Comparison["drifted"] = [];
  const versioned = new Map(history.filter((r) => r.kind === "versioned").map((r) => [r.version!, r]));
  const latestRepeatable = new Map<string, HistoryRow>();
  for (const r of history) if (r.kind === "repeatable" && r.success) latestRepeatable.set(r.file, r);
  const highest = [...versioned.values()].filter((r) => r.success).map((r) => r.version!).sort(compareVersions).at(-1);
  const pending: MigrationFile[] = [];
  for (const m of migrations) {
    if (m.kind === "versioned") {
      const row = versioned.get(m.version!);
      if (row && !row.success) errors.push(`\`${m.file}\` failed part-way on ${row.installed_at} (it runs outside a transaction). Check what it left, fix the file or the database, then run with \`mode: repair\`.`);
      else if (row && row.checksum !== m.checksum) drifted.push({ migration: m, row });
      else if (!row && highest && compareVersions(m.version!, highest) < 0) errors.push(`\`${m.file}\` (version ${m.version}) is older than ${highest}, which is already applied. Give it a version after ${highest}.`);
      else if (!row) pending.push(m);
    } else if (latestRepeatable.get(m.file)?.checksum !== m.checksum) pending.push(m);
  }
  for (const d of drifted) {
    errors.push(`\`${d.migration.file}\` changed after it was applied on ${d.row.installed_at} (checksum ${d.row.checksum.slice(0, 12)}… is now ${d.migration.checksum.slice(0, 12)}…). Put the file back as it was and write a new migration; if the change is cosmetic, run with \`mode: repair\`.`);
  }
  const files = new Set(migrations.map((m) => m.file));
  const missing = history.filter((r) => r.kind === "versioned" && !files.has(r.file)).map((r) => r.file);
  return { pending, errors, missing, drifted };
}

/**
 * Plans, applies, reports or repairs migrations. One migrator at a time (an advisory lock,
 * waited for within `lockWaitMs`); each versioned migration in its own transaction with its
 * history row; `lock_timeout`/`statement_timeout` set so a migration waiting on a lock fails
 * fast instead of queueing the site's traffic behind it; unacknowledged lint findings stop
 * `plan` and `apply` before anything runs.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateReport> {
  const { db, mode, parse } = options;
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const log = options.log ?? (() => {});
  const started = clock();
  const table = qualified(options.schema, options.table);
  const report: MigrateReport = { mode, ok: false, where: db.where, pending: [], applied: [], findings: [], errors: [], missing: [], repaired: [], lockWaitedMs: 0, durationMs: 0 };
  const finish = () => {
    report.ok = report.errors.length === 0 && report.findings.every((f) => f.allowed !== null) && (report.commandExitCode ?? 0) === 0;
    report.durationMs = clock() - started;
    return report;
  };

  const lintPending = async (pending: MigrationFile[]) => {
    const lintErrors: LintError[] = [];
    // The database's own catalogue says which functions are volatile and what type each column has.
    const context = lintContext(pending.length > 0 ? await readCatalogue(db) : undefined);
    for (const m of pending) {
      const { findings, errors } = lintMigration(m, parse, context);
      report.findings.push(...findings);
      lintErrors.push(...errors);
    }
    report.errors.push(...lintErrors.map((e) => `\`${e.file}\` line ${e.line}: ${e.message}`));
    for (const f of report.findings.filter((x) => !x.allowed)) report.errors.push(findingError(f));
  };
  const describePending = (pending: MigrationFile[]) => {
    report.pending = pending.map((m) => ({ file: m.file, version: m.version, name: m.name, kind: m.kind, transactional: m.transactional }));
  };

  if (mode === "status" || mode === "plan") {
    // Reading needs no lock: nothing is written.
    const history = (await readHistory(db, table)) ?? [];
    const comparison = compare(options.migrations, history);
    describePending(comparison.pending);
    report.missing = comparison.missing;
    report.errors.push(...comparison.errors);
    if (mode === "plan") await lintPending(comparison.pending);
    return finish();
  }

  const key = lockKey(options.schema, options.table);
  while (!(await db.tryLock(key))) {
    report.lockWaitedMs = clock() - started;
    if (report.lockWaitedMs >= options.lockWaitMs) {
      report.errors.push(`Another migrator holds the lock on ${options.schema}.${options.table} (waited ${Math.round(report.lockWaitedMs / 1000)}s): nothing was applied. Run again once it has finished, or raise \`lock-wait\`.`);
      return finish();
    }
    await sleep(Math.min(250, options.lockWaitMs - report.lockWaitedMs));
  }
  if (report.lockWaitedMs > 0) log(`Waited ${report.lockWaitedMs} ms for another migrator.`);
  try {
    await db.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema.replace(/"/g, '""')}"`);
    await db.query(
      `CREATE TABLE IF NOT EXISTS ${table} (installed_rank serial PRIMARY KEY, version text, name text NOT NULL, kind text NOT NULL, file text NOT NULL, checksum text NOT NULL, installed_by text NOT NULL, installed_at timestamptz NOT NULL DEFAULT now(), execution_ms integer NOT NULL, success boolean NOT NULL)`,
    );
    // Read after the lock is held: whatever the previous migrator applied is seen.
    const history = (await readHistory(db, table)) ?? [];
    const comparison = compare(options.migrations, history);
    report.missing = comparison.missing;

    if (mode === "repair") {
      for (const { migration, row } of comparison.drifted) {
        await db.query(`UPDATE ${table} SET checksum = $1 WHERE installed_rank = $2`, [migration.checksum, row.installed_rank]);
        report.repaired.push(`${migration.file}: checksum updated to the file's`);
      }
      for (const row of history.filter((r) => !r.success)) {
        await db.query(`DELETE FROM ${table} WHERE installed_rank = $1`, [row.installed_rank]);
        report.repaired.push(`${row.file}: failed attempt removed from the history (it will run again)`);
      }
      describePending(compare(options.migrations, (await readHistory(db, table)) ?? []).pending);
      return finish();
    }

    describePending(comparison.pending);
    report.errors.push(...comparison.errors);
    await lintPending(comparison.pending);
    if (report.errors.length > 0) return finish();

    if (options.command) {
      log("Running the migration command while holding the lock.");
      report.commandExitCode = await options.command();
      if (report.commandExitCode !== 0) report.errors.push(`The migration command exited with ${report.commandExitCode}.`);
      return finish();
    }

    for (const migration of comparison.pending) {
      const outcome = await applyOne(db, table, migration, options, clock);
      if (typeof outcome === "string") {
        report.errors.push(outcome);
        break;
      }
      report.applied.push(outcome);
      log(`Applied ${migration.file} in ${outcome.ms} ms.`);
    }
    return finish();
  } finally {
    await db.unlock(key);
  }
}

/** Applies one migration; its outcome, or the error naming file and line. */
async function applyOne(db: MigrationDatabase, table: string, migration: MigrationFile, options: MigrateOptions, clock: () => number): Promise<MigrationOutcome | string> {
  const statements = splitStatements(migration.sql, options.parse);
  if (!Array.isArray(statements)) return `\`${migration.file}\` line ${statements.line}: PostgreSQL cannot parse it: ${statements.message}`;
  const record = (ms: number, success: boolean) =>
    db.query(`INSERT INTO ${table} (version, name, kind, file, checksum, installed_by, execution_ms, success) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
      migration.version,
      migration.name,
      migration.kind,
      migration.file,
      migration.checksum,
      options.installedBy,
      ms,
      success,
    ]);
  const timeouts = (scope: "LOCAL" | "SESSION") => [`SET ${scope} lock_timeout = ${Math.max(1, Math.round(options.lockTimeoutMs))}`, `SET ${scope} statement_timeout = ${Math.max(1, Math.round(options.statementTimeoutMs))}`];
  const started = clock();
  if (migration.transactional) {
    // One round trip: the transaction and its timeouts.
    await db.query(["BEGIN", ...timeouts("LOCAL")].join("; "));
    try {
      for (const statement of statements) {
        try {
          await db.query(statement.text);
        } catch (error) {
          await db.query("ROLLBACK");
          return describeFailure(migration, statement, error);
        }
      }
      const ms = clock() - started;
      await record(ms, true);
      await db.query("COMMIT");
      return { file: migration.file, version: migration.version, name: migration.name, ms };
    } catch (error) {
      await db.query("ROLLBACK").catch(() => {});
      throw error;
    }
  }
  // Outside a transaction (CREATE INDEX CONCURRENTLY): statement by statement; a failure is
  // recorded, so the next run stops until someone has looked (`mode: repair`).
  await db.query(timeouts("SESSION").join("; ").replace(/ SESSION/g, ""));
  try {
    for (const statement of statements) {
      try {
        await db.query(statement.text);
      } catch (error) {
        await record(clock() - started, false);
        return describeFailure(migration, statement, error);
      }
    }
    const ms = clock() - started;
    await record(ms, true);
    return { file: migration.file, version: migration.version, name: migration.name, ms };
  } finally {
    await db.query("RESET lock_timeout; RESET statement_timeout");
  }
}
