/**
 * The one database session a migrator uses: migrations, the history table and the advisory
 * lock all live on it (advisory locks belong to a session). Implemented over node-postgres
 * (a server) and PGlite (PostgreSQL in-process, the default when no server is given).
 */
export interface MigrationDatabase {
  /** One statement; without parameters it goes through the simple protocol, as psql sends it. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Takes the lock if it is free: never waits (the caller bounds the wait). */
  tryLock(key: string): Promise<boolean>;
  unlock(key: string): Promise<void>;
  close(): Promise<void>;
  /** Where it is, without credentials: for reports and errors. */
  readonly where: string;
}

/** A database error as node-postgres and PGlite both report it. */
export interface DatabaseError {
  message: string;
  /** 1-based character position in the statement, when PostgreSQL gives one. */
  position?: string | number;
  code?: string;
}

/** `postgres://user:secret@host/db` -> `postgres://user:***@host/db`: safe to print. */
export function maskDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(a database URL that cannot be read)";
  }
}
