import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { connectPglite, connectPostgres } from "../shared/migrations/connect.js";
import type { MigrationDatabase } from "../shared/migrations/database.js";
import { parseMigrationFiles } from "../shared/migrations/files.js";
import { loadSqlParser } from "../shared/migrations/parser.js";
import { migrate } from "../shared/migrations/runner.js";

const COUNT = 500;
const POSTGRES_URL = process.env.SHIPLINE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
/** One small migration: a table and a row, the typical size of a real one. */
const body = (i: number) => `CREATE TABLE bench_${i} (id serial PRIMARY KEY, name text NOT NULL);\nINSERT INTO bench_${i} (name) VALUES ('row ${i}');\n`;

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  return client.connect().then(
    () => client.end().then(() => true),
    () => false,
  );
}

async function withSchema<T>(run: (schema: string) => Promise<T>): Promise<T> {
  const schema = `bench_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  try {
    return await run(schema);
  } finally {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

/**
 * Applies 500 small migrations with Shipline's runner, and with node-pg-migrate run the same
 * way (in process, one transaction per migration, its lock on), on the same server.
 */
export async function migrationFigures(record: (what: string, figure: string, target: string) => void): Promise<void> {
  const parse = await loadSqlParser();
  const migrations = parseMigrationFiles(Array.from({ length: COUNT }, (_, i) => ({ file: `V${i + 1}__bench_${i + 1}.sql`, content: body(i + 1) })));
  const shipline = async (db: MigrationDatabase, schema: string) => {
    const started = performance.now();
    const report = await migrate({ db, migrations, parse, mode: "apply", schema, table: "shipline_migrations", lockTimeoutMs: 5000, statementTimeoutMs: 60_000, lockWaitMs: 1000, installedBy: "bench" });
    if (!report.ok || report.applied.length !== COUNT) throw new Error(`bench run failed: ${report.errors.join("; ")}`);
    return performance.now() - started;
  };
  const line = (who: string, ms: number, reference?: number) =>
    record(`${who}: ${COUNT} migrations`, `${(ms / COUNT).toFixed(2)} ms each`, reference ? `${(ms / reference).toFixed(2)}x node-pg-migrate (${(reference / COUNT).toFixed(2)} ms each)` : `${(ms / 1000).toFixed(1)} s in all`);

  if (await postgresAnswers()) {
    const reference = await withSchema(async (schema) => {
      const dir = mkdtempSync(join(tmpdir(), "shipline-bench-npm-"));
      for (let i = 1; i <= COUNT; i++) writeFileSync(join(dir, `${String(1000 + i)}_bench_${i}.sql`), `-- Up Migration\n${body(i)}`);
      const { runner } = await import("node-pg-migrate");
      const started = performance.now();
      await runner({ databaseUrl: POSTGRES_URL, dir, direction: "up", migrationsTable: "pgmigrations", schema, count: Infinity, singleTransaction: false, checkOrder: true, log: () => {} });
      const ms = performance.now() - started;
      rmSync(dir, { recursive: true, force: true });
      return ms;
    });
    line("node-pg-migrate 9 on PostgreSQL", reference);
    const ours = await withSchema(async (schema) => {
      const db = await connectPostgres(POSTGRES_URL);
      await db.query(`SET search_path = ${schema}`);
      try {
        return await shipline(db, schema);
      } finally {
        await db.close();
      }
    });
    line("Shipline migrate on PostgreSQL (lint included)", ours, reference);
  } else record(`${COUNT} migrations on PostgreSQL`, "skipped", `no server at ${POSTGRES_URL}`);
  const instance = await PGlite.create();
  const db = await connectPglite({ instance });
  line("Shipline migrate on PGlite (in-process)", await shipline(db, "public"));
  await instance.close();
}
