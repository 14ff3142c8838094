import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { MigrationFileError, parseMigrationFiles } from "../shared/migrations/files.js";
import { loadSqlParser } from "../shared/migrations/parser.js";
import { migrate, type MigrateOptions } from "../shared/migrations/runner.js";
import type { SqlParser } from "../shared/migrations/statements.js";
import { pgliteDatabase, postgresAnswers, postgresDatabase, type TestDatabase } from "./helpers/databases.js";

const files = (entries: Record<string, string>) => parseMigrationFiles(Object.entries(entries).map(([file, content]) => ({ file, content })));

const THREE = {
  "V1__users.sql": "CREATE TABLE users (id serial PRIMARY KEY, email text);\n",
  "V2__orders.sql": "CREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users (id));\n",
  "V3__order_notes.sql": "CREATE TABLE order_notes (id serial PRIMARY KEY, body text);\n",
};

let parse: SqlParser;
beforeAll(async () => {
  parse = await loadSqlParser();
});

const databases = (await postgresAnswers()) ? [postgresDatabase, pgliteDatabase] : [pgliteDatabase];

describe.each(databases.map((open) => [open.name === "postgresDatabase" ? "PostgreSQL" : "PGlite", open] as const))("migrations on %s", (_kind, open) => {
  let database: TestDatabase;
  afterEach(async () => {
    await database?.drop();
  });

  const run = async (migrations: ReturnType<typeof files>, extra: Partial<MigrateOptions> = {}) => {
    const db = extra.db ?? (await database.session());
    return migrate({ db, migrations, parse, mode: "apply", schema: database.schema, table: "shipline_migrations", lockTimeoutMs: 2000, statementTimeoutMs: 30_000, lockWaitMs: 10_000, installedBy: "ci-bot", ...extra });
  };
  const history = async () => (await (await database.raw()).query(`SELECT version, name, kind, file, checksum, installed_by, success FROM ${database.schema}.shipline_migrations ORDER BY installed_rank`)).rows;
  const tables = async () => (await (await database.raw()).query(`SELECT table_name FROM information_schema.tables WHERE table_schema = '${database.schema}' ORDER BY table_name`)).rows.map((r) => r.table_name);

  it("applies every migration to a fresh database, each recorded with its checksum, who and success", async () => {
    database = await open();
    const report = await run(files(THREE));
    expect(report).toMatchObject({ ok: true, errors: [], findings: [] });
    expect(report.applied.map((a) => a.file)).toEqual(["V1__users.sql", "V2__orders.sql", "V3__order_notes.sql"]);
    expect(await tables()).toEqual(["order_notes", "orders", "shipline_migrations", "users"]);
    const rows = await history();
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual({ version: "1", name: "users", kind: "versioned", file: "V1__users.sql", checksum: files(THREE)[0]!.checksum, installed_by: "ci-bot", success: true });
    expect(rows[0].checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it("applies nothing when run again", async () => {
    database = await open();
    await run(files(THREE));
    const again = await run(files(THREE));
    expect(again).toMatchObject({ ok: true, applied: [], pending: [] });
    expect(await history()).toHaveLength(3);
  });

  it("refuses an applied file that was edited (checksum drift), naming it, until repaired", async () => {
    database = await open();
    await run(files(THREE));
    const edited = files({ ...THREE, "V2__orders.sql": "CREATE TABLE orders (id bigserial PRIMARY KEY, user_id int);\n", "V4__more.sql": "CREATE TABLE more (id int);\n" });
    const refused = await run(edited);
    expect(refused.ok).toBe(false);
    expect(refused.errors).toEqual([expect.stringMatching(/^`V2__orders\.sql` changed after it was applied on .+ \(checksum [0-9a-f]{12}… is now [0-9a-f]{12}…\)\. Put the file back as it was and write a new migration; if the change is cosmetic, run with `mode: repair`\.$/)]);
    expect(refused.applied).toEqual([]);
    expect(await tables()).not.toContain("more");

    const repaired = await run(edited, { mode: "repair" });
    expect(repaired.repaired).toEqual(["V2__orders.sql: checksum updated to the file's"]);
    expect((await run(edited)).applied.map((a) => a.file)).toEqual(["V4__more.sql"]);
  });

  it("rolls back a failing migration in the middle of three entirely, naming file, line and PostgreSQL's message", async () => {
    database = await open();
    const broken = files({ ...THREE, "V2__orders.sql": "CREATE TABLE orders (id serial PRIMARY KEY);\n\n-- the bug:\nALTER TABLE orders ADD COLUMN total numeric NOT NULL DEFAULT 1 / 0;\n" });
    const report = await run(broken);
    expect(report.ok).toBe(false);
    expect(report.applied.map((a) => a.file)).toEqual(["V1__users.sql"]);
    expect(report.errors).toEqual(["`V2__orders.sql` line 4: division by zero (SQLSTATE 22012). Nothing of this migration was applied."]);
    // Nothing half-done: V2's first statement is gone with it, V3 never ran, history says so.
    expect(await tables()).toEqual(["shipline_migrations", "users"]);
    expect((await history()).map((r) => r.file)).toEqual(["V1__users.sql"]);
  });

  it("names the line inside the statement where PostgreSQL points", async () => {
    database = await open();
    const report = await run(files({ "V1__typo.sql": "CREATE TABLE a (id int);\nSELECT id,\n  nope\nFROM a;\n" }));
    expect(report.errors).toEqual(['`V1__typo.sql` line 3: column "nope" does not exist (SQLSTATE 42703). Nothing of this migration was applied.']);
  });

  it("lets exactly one of two runners started at once apply; the other applies nothing twice", async () => {
    database = await open();
    const many = files(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`V${i + 1}__t${i + 1}.sql`, `CREATE TABLE t${i + 1} (id int);\n`])));
    const [a, b] = await Promise.all([run(many), run(many)]);
    expect(a.ok && b.ok).toBe(true);
    expect(a.applied.length + b.applied.length).toBe(20);
    expect([a.applied.length, b.applied.length].sort()).toEqual([0, 20]);
    expect(await history()).toHaveLength(20);
  });

  it("fails with a clear message when another migrator holds the lock past lock-wait", async () => {
    database = await open();
    const holder = await database.session();
    const { lockKey } = await import("../shared/migrations/runner.js");
    expect(await holder.tryLock(lockKey(database.schema, "shipline_migrations"))).toBe(true);
    const report = await run(files(THREE), { lockWaitMs: 300 });
    expect(report.ok).toBe(false);
    expect(report.errors).toEqual([expect.stringMatching(new RegExp(`^Another migrator holds the lock on ${database.schema}\\.shipline_migrations \\(waited \\d+s\\): nothing was applied\\. Run again once it has finished, or raise \`lock-wait\`\\.$`))]);
    expect(report.lockWaitedMs).toBeGreaterThanOrEqual(300);
  });

  it("runs a no-transaction migration (CREATE INDEX CONCURRENTLY) outside a transaction", async () => {
    database = await open();
    const report = await run(files({ ...THREE, "V4__index.sql": "-- shipline:no-transaction\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n" }));
    expect(report).toMatchObject({ ok: true, errors: [] });
    expect(report.pending.at(-1)).toMatchObject({ file: "V4__index.sql", transactional: false });
    const indexes = (await (await database.raw()).query(`SELECT indexname FROM pg_indexes WHERE schemaname = '${database.schema}' AND tablename = 'users'`)).rows.map((r) => r.indexname);
    expect(indexes).toContain("users_email");
  });

  it("refuses CREATE INDEX CONCURRENTLY in a transactional file before running anything", async () => {
    database = await open();
    const report = await run(files({ ...THREE, "V4__index.sql": "CREATE INDEX CONCURRENTLY users_email ON users (email);\n" }));
    expect(report.ok).toBe(false);
    expect(report.applied).toEqual([]);
    expect(report.errors).toEqual([expect.stringContaining("`V4__index.sql` line 1: concurrently-in-transaction: CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction")]);
  });

  it("stops at unacknowledged lint findings before applying anything, and accepts acknowledged ones with their reason", async () => {
    database = await open();
    await run(files(THREE));
    const risky = { ...THREE, "V4__index.sql": "CREATE INDEX users_email ON users (email);\n" };
    const refused = await run(files(risky));
    expect(refused.ok).toBe(false);
    expect(refused.applied).toEqual([]);
    expect(refused.findings).toMatchObject([{ rule: "index-not-concurrent", file: "V4__index.sql", line: 1, allowed: null }]);
    const acknowledged = await run(files({ ...risky, "V4__index.sql": "-- shipline:allow index-not-concurrent users has 12 rows\nCREATE INDEX users_email ON users (email);\n" }));
    expect(acknowledged).toMatchObject({ ok: true, findings: [{ rule: "index-not-concurrent", line: 2, allowed: "users has 12 rows" }] });
    expect(acknowledged.applied.map((a) => a.file)).toEqual(["V4__index.sql"]);
  });

  it("plans without writing: pending migrations and findings, no history table", async () => {
    database = await open();
    const report = await run(files({ ...THREE, "V4__drop.sql": "DROP TABLE legacy_orders;\n" }), { mode: "plan" });
    expect(report.pending.map((p) => p.file)).toEqual(["V1__users.sql", "V2__orders.sql", "V3__order_notes.sql", "V4__drop.sql"]);
    expect(report.findings).toMatchObject([{ rule: "drop-table", file: "V4__drop.sql", line: 1 }]);
    expect(report.ok).toBe(false);
    expect(await tables()).toEqual([]);
  });

  it("re-applies a repeatable migration when its checksum changes, after the versioned ones", async () => {
    database = await open();
    const view = (body: string) => files({ ...THREE, "R__active_users.sql": `CREATE OR REPLACE VIEW active_users AS SELECT ${body} FROM users;\n` });
    expect((await run(view("id"))).applied.map((a) => a.file)).toEqual(["V1__users.sql", "V2__orders.sql", "V3__order_notes.sql", "R__active_users.sql"]);
    expect((await run(view("id"))).applied).toEqual([]);
    expect((await run(view("id, email"))).applied.map((a) => a.file)).toEqual(["R__active_users.sql"]);
  });

  it("runs an existing migrator's command with the same lock, and reports its exit code", async () => {
    database = await open();
    const db = await database.session();
    const { lockKey } = await import("../shared/migrations/runner.js");
    let lockedMeanwhile = false;
    const report = await run([], {
      db,
      command: async () => {
        const other = await database.session();
        lockedMeanwhile = !(await other.tryLock(lockKey(database.schema, "shipline_migrations")));
        return 3;
      },
    });
    expect(lockedMeanwhile).toBe(true);
    expect(report).toMatchObject({ ok: false, commandExitCode: 3, errors: ["The migration command exited with 3."] });
  });
});

describe.runIf(databases.length === 2)("lock_timeout on PostgreSQL", () => {
  it("fails a migration fast when the table it alters is locked by live traffic", async () => {
    const database = await postgresDatabase();
    try {
      const db = await database.session();
      await migrate({ db, migrations: files(THREE), parse, mode: "apply", schema: database.schema, table: "shipline_migrations", lockTimeoutMs: 200, statementTimeoutMs: 30_000, lockWaitMs: 1000, installedBy: "ci" });
      const traffic = await database.raw();
      await traffic.query("BEGIN");
      await traffic.query("LOCK TABLE users IN ACCESS SHARE MODE");
      const report = await migrate({
        db,
        migrations: files({ ...THREE, "V4__name.sql": "-- shipline:allow add-column-not-null tiny table\nALTER TABLE users ADD COLUMN name text;\n" }),
        parse,
        mode: "apply",
        schema: database.schema,
        table: "shipline_migrations",
        lockTimeoutMs: 200,
        statementTimeoutMs: 30_000,
        lockWaitMs: 1000,
        installedBy: "ci",
      });
      await traffic.query("ROLLBACK");
      expect(report.errors).toEqual(["`V4__name.sql` line 2: canceling statement due to lock timeout (SQLSTATE 55P03). Nothing of this migration was applied."]);
      expect(report.applied).toEqual([]);
    } finally {
      await database.drop();
    }
  });
});

describe("migration files", () => {
  it("orders versions numerically and repeatables last, reading the no-transaction header", () => {
    const parsed = files({ "V10__c.sql": "SELECT 1;", "R__view.sql": "SELECT 1;", "V2__b.sql": "SELECT 1;", "V1_1__a.sql": "-- shipline:no-transaction\nSELECT 1;", "README.md": "docs" });
    expect(parsed.map((m) => [m.file, m.version, m.name, m.transactional])).toEqual([
      ["V1_1__a.sql", "1.1", "a", false],
      ["V2__b.sql", "2", "b", true],
      ["V10__c.sql", "10", "c", true],
      ["R__view.sql", null, "view", true],
    ]);
  });

  it("names the files whose names or versions cannot work, and says the fix", () => {
    expect(() => files({ "add_users.sql": "", "V1__a.sql": "", "V01__b.sql": "" })).toThrow(MigrationFileError);
    expect(() => files({ "add_users.sql": "", "V1__a.sql": "", "V01__b.sql": "" })).toThrow(
      "`add_users.sql`: not a migration name. Name it `V<version>__<name>.sql` (such as `V3__add_orders.sql`) or `R__<name>.sql` for a repeatable one.\n`V1__a.sql` and `V01__b.sql` have the same version 01: give one of them the next free version.",
    );
  });
});
