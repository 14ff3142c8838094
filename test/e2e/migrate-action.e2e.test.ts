import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { migrateDefaults, migrateInputs } from "../../actions/migrate/inputs.js";
import { runActionBundle } from "../helpers/action-runner.js";
import { POSTGRES_URL, postgresAnswers } from "../helpers/databases.js";
import { expectManifestMatchesSchema } from "../helpers/action-manifest.js";

const workspaces: string[] = [];
afterAll(() => {
  for (const dir of workspaces) rmSync(dir, { recursive: true, force: true });
});

/** A repository checkout with a migrations folder, as the runner would have it. */
function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "shipline-migrate-"));
  workspaces.push(dir);
  mkdirSync(join(dir, "migrations"));
  for (const [file, sql] of Object.entries(files)) writeFileSync(join(dir, "migrations", file), sql);
  return dir;
}

const runMigrate = (dir: string, inputs: Record<string, string>, entry = "actions/migrate/dist/index.js") =>
  runActionBundle({ entry, repository: "acme/shop", token: "unused", inputs: { "lock-wait": "10s", ...inputs }, env: { GITHUB_WORKSPACE: dir, GITHUB_ACTOR: "octocat" }, eventName: "deployment" });

const SCHEMA = { "V1__users.sql": "CREATE TABLE users (id serial PRIMARY KEY, email text);\n", "V2__orders.sql": "CREATE TABLE orders (id serial PRIMARY KEY, user_id int);\n" };
const hasPostgres = await postgresAnswers();

describe("actions/migrate, run from its bundle as a runner runs it", () => {
  it("declares in action.yml exactly the inputs and defaults its schema reads", () => {
    expectManifestMatchesSchema("migrate", migrateInputs, migrateDefaults);
  });

  it("applies on PGlite when no database is given, keeping it in pglite-data-dir across runs", async () => {
    const dir = workspace(SCHEMA);
    const data = join(dir, ".pglite");
    const first = await runMigrate(dir, { "pglite-data-dir": data });
    expect(first.code).toBe(0);
    expect(first.outputs).toMatchObject({ applied: "2", pending: "0", findings: "0" });
    expect(first.summary).toContain("### ✅ Migrations: apply on PGlite (in-process PostgreSQL) at");
    expect(first.summary).toContain("| V1\\_\\_users.sql |");
    writeFileSync(join(dir, "migrations", "V3__index.sql"), "CREATE INDEX users_email ON users (email);\n");
    const plan = await runMigrate(dir, { "pglite-data-dir": data, mode: "plan" });
    expect(plan.code).toBe(1);
    expect(plan.outputs).toMatchObject({ applied: "0", pending: "1", findings: "1" });
    // The finding is an annotation on the file and line, with the reason and the safe way.
    expect(plan.stdout).toContain("::error title=Shipline migrate%3A index-not-concurrent,file=migrations/V3__index.sql,line=1::index-not-concurrent: CREATE INDEX without CONCURRENTLY blocks every write");
    // ...said once: the step's failure counts it and does not repeat it.
    const errors = plan.stdout.split("\n").filter((l) => l.startsWith("::error"));
    expect(errors.filter((l) => l.includes("CREATE INDEX without CONCURRENTLY"))).toHaveLength(1);
    expect(errors.at(-1)).toBe("::error title=Shipline migrate%3A unsafe migrations::1 unsafe migration finding, each annotated on its line: take the safe way it gives, or acknowledge it with `-- shipline:allow <rule> <reason>` on the line above.");
  });

  it("fails the step with the input's name and the fix for bad input, masking the database URL", async () => {
    const dir = workspace(SCHEMA);
    const bad = await runMigrate(dir, { mode: "migrate", "database-url": "mysql://root:hunter2@db/shop" });
    expect(bad.code).toBe(1);
    // One annotation per bad input, each titled with the input's name.
    expect(bad.stdout.split("\n").filter((l) => l.startsWith("::error"))).toEqual([
      "::error title=Input mode::Input `mode`: expected `plan`, `apply`, `status` or `repair`; got \"migrate\". Set it in the step's `with:`.",
      "::error title=Input database-url::Input `database-url`: expected a connection URL such as `postgres://user:password@host:5432/db` (leave it empty for PGlite, in-process); got (hidden). Set it in the step's `with:`.",
    ]);
    // The runner hides a masked value everywhere; the only line that carries it is the mask command itself.
    expect(bad.stdout.split("\n").filter((l) => l.includes("hunter2"))).toEqual(["::add-mask::mysql://root:hunter2@db/shop"]);
    const missing = await runMigrate(dir, { directory: "db/migrate" });
    expect(missing.stdout).toContain("Input `directory`: `db/migrate` does not exist.");
  });

  it("is routed by the umbrella action with run: migrate", async () => {
    const dir = workspace(SCHEMA);
    const routed = await runMigrate(dir, { run: "migrate", mode: "status" }, "actions/umbrella/dist/index.js");
    expect(routed.code).toBe(0);
    expect(routed.outputs).toMatchObject({ applied: "0", pending: "2" });
  });

  describe.runIf(hasPostgres)("on the PostgreSQL server", () => {
    const schema = `a_${Date.now().toString(36)}`;
    afterAll(async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    });

    it("applies, records octocat in the history, and runs an existing migrator's command under the same lock", async () => {
      const dir = workspace({ "V1__users.sql": `CREATE TABLE ${schema}.users (id serial PRIMARY KEY);\n` });
      const url = POSTGRES_URL;
      const applied = await runMigrate(dir, { "database-url": url, schema });
      expect(applied.code).toBe(0);
      expect(applied.outputs.applied).toBe("1");
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const rows = (await client.query(`SELECT file, installed_by, success FROM ${schema}.shipline_migrations`)).rows;
      expect(rows).toEqual([{ file: "V1__users.sql", installed_by: "octocat", success: true }]);
      // The command sees DATABASE_URL in its environment, never in its text.
      const command = await runMigrate(dir, { "database-url": url, schema, command: `psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -c 'CREATE TABLE ${schema}.from_command (id int)'` });
      expect(command.code).toBe(0);
      expect((await client.query(`SELECT to_regclass('${schema}.from_command')::text AS t`)).rows[0].t).toBe(`${schema}.from_command`);
      await client.end();
    });
  });
});
