import type { MigrationDatabase } from "./database.js";
import { maskDatabaseUrl } from "./database.js";

/**
 * A session on a PostgreSQL server (node-postgres). One client, not a pool: the advisory
 * lock, `SET LOCAL` and each migration's transaction must all be on the same session.
 */
export async function connectPostgres(url: string, applicationName = "shipline-migrate"): Promise<MigrationDatabase> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  await client.connect();
  return {
    where: maskDatabaseUrl(url),
    async query<T>(sql: string, params?: unknown[]) {
      const result = await client.query(sql, params as unknown[] | undefined);
      // A script of several statements answers with several results: the last one counts.
      const last = Array.isArray(result) ? result.at(-1) : result;
      return (last?.rows ?? []) as T[];
    },
    async tryLock(key) {
      const rows = (await client.query("SELECT pg_try_advisory_lock($1::bigint) AS locked", [key])).rows as Array<{ locked: boolean }>;
      return rows[0]?.locked === true;
    },
    async unlock(key) {
      await client.query("SELECT pg_advisory_unlock($1::bigint)", [key]);
    },
    close: () => client.end(),
  };
}

/** PGlite instances held by a migrator in this process: one session cannot lock itself out. */
const held = new WeakMap<object, Set<string>>();

/**
 * PostgreSQL in-process (PGlite): the default when no server is given, so a first try and the
 * demo need nothing installed. `dataDir` keeps it on disk; without one it lives in memory.
 * Pass `instance` to share one database between several migrators of this process.
 */
export async function connectPglite(options: { dataDir?: string; instance?: unknown } = {}): Promise<MigrationDatabase> {
  type Pglite = { query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>; exec(sql: string): Promise<Array<{ rows: unknown[] }>>; close(): Promise<void> };
  const db = (options.instance as Pglite | undefined) ?? ((await import("@electric-sql/pglite")).PGlite.create(options.dataDir) as unknown as Promise<Pglite>);
  const pglite = await db;
  const mine = held.get(pglite) ?? new Set<string>();
  held.set(pglite, mine);
  const owned = new Set<string>();
  return {
    where: options.dataDir ? `PGlite (in-process PostgreSQL) at ${options.dataDir}` : "PGlite (in-process PostgreSQL, in memory)",
    async query<T>(sql: string, params?: unknown[]) {
      if (params && params.length > 0) return (await pglite.query<T>(sql, params)).rows;
      // No parameters: the simple protocol, as psql sends it (and as node-postgres does).
      return ((await pglite.exec(sql)).at(-1)?.rows ?? []) as T[];
    },
    // Every migrator of this process shares PGlite's one session, where an advisory lock is
    // re-entrant: the lock is also kept here, so a second migrator of the same database waits.
    async tryLock(key) {
      if (mine.has(key)) return false;
      // Claimed before the first await: two migrators asking at once cannot both pass.
      mine.add(key);
      const rows = (await pglite.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS locked", [key])).rows;
      if (rows[0]?.locked !== true) {
        mine.delete(key);
        return false;
      }
      owned.add(key);
      return true;
    },
    async unlock(key) {
      if (!owned.delete(key)) return;
      mine.delete(key);
      await pglite.query("SELECT pg_advisory_unlock($1::bigint)", [key]);
    },
    close: async () => {
      if (!options.instance) await pglite.close();
    },
  };
}
