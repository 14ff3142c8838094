import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { connectPglite, connectPostgres } from "../../shared/migrations/connect.js";
import type { MigrationDatabase } from "../../shared/migrations/database.js";

/** The real server tests use: CI starts it (see .ci/run); override with SHIPLINE_TEST_DATABASE_URL. */
export const POSTGRES_URL = process.env.SHIPLINE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Whether the server answers. On CI it must: a suite silently skipped there proves nothing. */
export async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (error) {
    if (process.env.CI) throw new Error(`PostgreSQL at ${POSTGRES_URL} does not answer on CI (.ci/run starts it): ${(error as Error).message}`);
    console.warn(`PostgreSQL at ${POSTGRES_URL} does not answer: the migration suite runs on PGlite only.`);
    return false;
  }
}

/**
 * One isolated database per test: a fresh schema on the server (every session of the test
 * works in it), or a fresh PGlite. `session()` opens another migrator's session on it.
 */
export interface TestDatabase {
  kind: "PostgreSQL" | "PGlite";
  schema: string;
  session(): Promise<MigrationDatabase>;
  /** A raw session for the test's own reads and locks, outside the migrator. */
  raw(): Promise<{ query(sql: string): Promise<{ rows: any[] }>; close(): Promise<void> }>;
  drop(): Promise<void>;
}

export async function postgresDatabase(): Promise<TestDatabase> {
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const sessions: MigrationDatabase[] = [];
  const raws: pg.Client[] = [];
  return {
    kind: "PostgreSQL",
    schema,
    async session() {
      const db = await connectPostgres(POSTGRES_URL);
      await db.query(`SET search_path = ${schema}`);
      sessions.push(db);
      return db;
    },
    async raw() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`SET search_path = ${schema}`);
      raws.push(client);
      return { query: (sql: string) => client.query(sql), close: () => client.end() };
    },
    async drop() {
      for (const s of sessions) await s.close().catch(() => {});
      for (const r of raws) await r.end().catch(() => {});
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

export async function pgliteDatabase(): Promise<TestDatabase> {
  const instance = await PGlite.create();
  const schema = "public";
  return {
    kind: "PGlite",
    schema,
    session: () => connectPglite({ instance }),
    async raw() {
      return { query: (sql: string) => instance.query(sql), close: async () => {} };
    },
    drop: () => instance.close(),
  };
}
