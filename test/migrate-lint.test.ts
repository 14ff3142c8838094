import { describe, expect, it } from "vitest";
import { parseMigrationFiles } from "../shared/migrations/files.js";
import { LINT_RULES, lintMigration, type LintRule } from "../shared/migrations/lint.js";
import { useShopCatalogue } from "./helpers/shop-catalogue.js";


const shop = useShopCatalogue();
const lint = (sql: string, file = "V7__change.sql", context = shop.freshContext()) => lintMigration(parseMigrationFiles([{ file, content: sql }])[0]!, shop.parse(), context);

/** Each rule: DDL that takes a live table down or breaks the running version, and its safe form. */
const CASES: Array<{ rule: LintRule; bad: string; good: string; file?: string }> = [
  { rule: "index-not-concurrent", bad: "CREATE INDEX orders_user ON orders (user_id);", good: "-- shipline:no-transaction\nCREATE INDEX CONCURRENTLY orders_user ON orders (user_id);" },
  { rule: "concurrently-in-transaction", bad: "CREATE INDEX CONCURRENTLY orders_user ON orders (user_id);", good: "-- shipline:no-transaction\nCREATE INDEX CONCURRENTLY orders_user ON orders (user_id);" },
  { rule: "add-column-not-null", bad: "ALTER TABLE orders ADD COLUMN total numeric NOT NULL;", good: "ALTER TABLE orders ADD COLUMN total numeric NOT NULL DEFAULT 0;" },
  { rule: "constraint-not-valid", bad: "ALTER TABLE orders ADD CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id);", good: "ALTER TABLE orders ADD CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;" },
  { rule: "constraint-not-valid", bad: "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0);", good: "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0) NOT VALID;" },
  { rule: "validate-in-same-transaction", bad: "ALTER TABLE orders VALIDATE CONSTRAINT positive;", good: "ALTER TABLE orders VALIDATE CONSTRAINT positive;" },
  { rule: "alter-column-type", bad: "ALTER TABLE orders ALTER COLUMN total TYPE bigint;", good: "ALTER TABLE orders ADD COLUMN total_big bigint;" },
  { rule: "rename", bad: "ALTER TABLE orders RENAME COLUMN total TO amount;", good: "ALTER TABLE orders ADD COLUMN amount numeric;" },
  { rule: "rename", bad: "ALTER TABLE orders RENAME TO purchases;", good: "CREATE VIEW purchases AS SELECT * FROM orders;" },
  { rule: "drop-column", bad: "ALTER TABLE orders DROP COLUMN legacy;", good: "COMMENT ON COLUMN orders.legacy IS 'unused since 4.2; dropped in the next release';" },
  { rule: "drop-table", bad: "DROP TABLE legacy_orders;", good: "ALTER TABLE legacy_orders SET (autovacuum_enabled = false);" },
  { rule: "set-not-null", bad: "ALTER TABLE orders ALTER COLUMN total SET NOT NULL;", good: "-- shipline:no-transaction\nALTER TABLE orders ADD CONSTRAINT total_nn CHECK (total IS NOT NULL) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT total_nn;\nALTER TABLE orders ALTER COLUMN total SET NOT NULL;" },
  { rule: "add-column-rewrite", bad: "ALTER TABLE orders ADD COLUMN seq bigserial;", good: "ALTER TABLE orders ADD COLUMN seq bigint;" },
  { rule: "add-column-rewrite", bad: "ALTER TABLE orders ADD COLUMN n int GENERATED ALWAYS AS IDENTITY;", good: "ALTER TABLE orders ADD COLUMN n int;" },
  { rule: "add-column-rewrite", bad: "ALTER TABLE orders ADD COLUMN doubled numeric GENERATED ALWAYS AS (total * 2) STORED;", good: "ALTER TABLE orders ADD COLUMN doubled numeric;" },
  { rule: "add-column-constraint", bad: "ALTER TABLE orders ADD COLUMN user_id int REFERENCES users (id);", good: "ALTER TABLE orders ADD COLUMN user_id int;" },
  { rule: "add-column-constraint", bad: "ALTER TABLE orders ADD COLUMN code text UNIQUE;", good: "ALTER TABLE orders ADD COLUMN code text;" },
  { rule: "unique-without-index", bad: "ALTER TABLE orders ADD CONSTRAINT orders_code UNIQUE (code);", good: "ALTER TABLE orders ADD CONSTRAINT orders_code UNIQUE USING INDEX orders_code_idx;" },
  { rule: "unique-without-index", bad: "ALTER TABLE orders ADD PRIMARY KEY (id);", good: "ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_id_idx;" },
  { rule: "drop-index-not-concurrent", bad: "DROP INDEX orders_user;", good: "-- shipline:no-transaction\nDROP INDEX CONCURRENTLY orders_user;" },
  { rule: "reindex-not-concurrent", bad: "REINDEX INDEX orders_user;", good: "-- shipline:no-transaction\nREINDEX INDEX CONCURRENTLY orders_user;" },
  { rule: "detach-partition-not-concurrent", bad: "ALTER TABLE events DETACH PARTITION events_2025;", good: "-- shipline:no-transaction\nALTER TABLE events DETACH PARTITION events_2025 CONCURRENTLY;" },
  { rule: "vacuum-full", bad: "VACUUM FULL orders;", good: "-- shipline:no-transaction\nVACUUM orders;" },
  { rule: "cluster", bad: "CLUSTER orders USING orders_pkey;", good: "ANALYZE orders;" },
  { rule: "domain-constraint", bad: "ALTER DOMAIN price ADD CONSTRAINT positive CHECK (VALUE > 0);", good: "ALTER DOMAIN price ADD CONSTRAINT positive CHECK (VALUE > 0) NOT VALID;" },
  { rule: "drop-database", bad: "DROP DATABASE shop_old;", good: "CREATE SCHEMA archive;" },
  { rule: "truncate-cascade", bad: "TRUNCATE sessions CASCADE;", good: "TRUNCATE sessions;" },
  { rule: "drop-not-null", bad: "ALTER TABLE orders ALTER COLUMN total DROP NOT NULL;", good: "ALTER TABLE orders ALTER COLUMN total SET DEFAULT 0;" },
  { rule: "backfill-with-ddl", bad: "UPDATE orders SET currency = 'EUR';", good: "UPDATE orders SET currency = 'EUR' WHERE id BETWEEN 1 AND 1000;" },
  { rule: "volatile-default", bad: "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();", good: "ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT now();" },
  { rule: "volatile-default", bad: "ALTER TABLE orders ADD COLUMN seed int DEFAULT (random() * 100)::int;", good: "ALTER TABLE orders ADD COLUMN seed int DEFAULT 7;" },
];

describe("zero-downtime lint, with PostgreSQL's own parser", () => {
  /** What must come before `bad` in the file for the rule to apply (the DDL a backfill holds, the NOT VALID a VALIDATE follows). */
  const BEFORE: Partial<Record<LintRule, string>> = {
    "validate-in-same-transaction": "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0) NOT VALID;",
    "backfill-with-ddl": "ALTER TABLE orders ADD COLUMN currency text;",
  };
  it.each(CASES)("$rule: flags `$bad`, passes its safe form", ({ rule, bad, good }) => {
    const flagged = lint(`-- a change\n${BEFORE[rule] ?? ""}\n${bad}\n`);
    expect(flagged.errors).toEqual([]);
    expect(flagged.findings).toEqual([{ rule, file: "V7__change.sql", line: 3, statement: bad.replace(/;$/, ""), reason: LINT_RULES[rule].reason, fix: LINT_RULES[rule].fix, allowed: null }]);
    expect(lint(good)).toEqual({ findings: [], errors: [] });
  });

  it("exempts SET NOT NULL only for the column a validated IS NOT NULL check covers", () => {
    const sql = ["-- shipline:no-transaction", "ALTER TABLE orders ADD CONSTRAINT total_nn CHECK (total IS NOT NULL) NOT VALID;", "ALTER TABLE orders VALIDATE CONSTRAINT total_nn;", "ALTER TABLE orders ALTER COLUMN total SET NOT NULL;", "ALTER TABLE orders ALTER COLUMN currency SET NOT NULL;"].join("\n");
    expect(lint(sql).findings.map((f) => [f.rule, f.line])).toEqual([["set-not-null", 5]]);
  });

  it("refuses a transactional file that controls the transaction, before anything runs", () => {
    const sql = "CREATE TABLE a (id int);\nCOMMIT;\nCREATE TABLE b (id int);\nSAVEPOINT s;\nSELECT 1/0;\n";
    expect(lint(sql).errors.map((e) => [e.line, e.message.split(" controls")[0]])).toEqual([
      [2, "COMMIT"],
      [4, "SAVEPOINT"],
    ]);
    expect(lint(`-- shipline:no-transaction\nBEGIN;\nUPDATE orders SET a = 1 WHERE id = 1;\nCOMMIT;\n`).errors).toEqual([]);
  });

  it("applies an acknowledgement to the statement below it only", () => {
    const sql = "-- shipline:allow drop-table replaced by invoices in 4.1\nDROP TABLE legacy_orders;\nDROP TABLE legacy_payments;\n";
    expect(lint(sql).findings.map((f) => [f.line, f.allowed])).toEqual([
      [2, "replaced by invoices in 4.1"],
      [3, null],
    ]);
  });

  it("covers every rule it knows", () => {
    expect(new Set(CASES.map((c) => c.rule))).toEqual(new Set(Object.keys(LINT_RULES)));
  });

  it("leaves tables created in the same migration alone: they have no rows and no readers yet", () => {
    const sql = [
      "CREATE TABLE invoices (id serial PRIMARY KEY, total numeric);",
      "CREATE INDEX invoices_total ON invoices (total);",
      "ALTER TABLE invoices ADD COLUMN paid boolean NOT NULL;",
      "ALTER TABLE invoices ADD CONSTRAINT positive CHECK (total > 0);",
      "ALTER TABLE invoices ALTER COLUMN total TYPE bigint;",
    ].join("\n");
    expect(lint(sql)).toEqual({ findings: [], errors: [] });
  });

  it("records an acknowledgement's reason, and refuses one without a reason or for an unknown rule", () => {
    const ok = lint("-- shipline:allow drop-table replaced by invoices in 4.1, no reader left\nDROP TABLE legacy_orders;\n");
    expect(ok.findings).toMatchObject([{ rule: "drop-table", line: 2, allowed: "replaced by invoices in 4.1, no reader left" }]);
    const bad = lint("-- shipline:allow drop-table\n-- shipline:allow drop-everything because\nDROP TABLE legacy_orders;\n");
    expect(bad.errors).toEqual([
      { file: "V7__change.sql", line: 1, message: "`shipline:allow drop-table` needs a reason after the rule, such as `-- shipline:allow drop-table table has 40 rows`." },
      { file: "V7__change.sql", line: 2, message: expect.stringMatching(/^`shipline:allow drop-everything`: no such rule\. The rules are `index-not-concurrent`, /) },
    ]);
    expect(bad.findings).toMatchObject([{ rule: "drop-table", allowed: null }]);
  });

  it("reports SQL that PostgreSQL cannot parse with its line, never a crash", () => {
    expect(lint("CREATE TABLE a (id int);\n\nALTER TABLE a ADD COLUM x int;\n")).toEqual({ findings: [], errors: [{ file: "V7__change.sql", line: 3, message: 'PostgreSQL cannot parse it: syntax error at or near "int"' }] });
  });

  it("reads statements the way PostgreSQL does: semicolons in strings, comments and function bodies", () => {
    const sql = "-- drop table x;\nCREATE FUNCTION f() RETURNS int AS $$ BEGIN DROP TABLE y; RETURN 1; END $$ LANGUAGE plpgsql;\nSELECT 'DROP TABLE z;';\n/* ALTER TABLE t DROP COLUMN c; */\n";
    expect(lint(sql)).toEqual({ findings: [], errors: [] });
  });

  it("decides a default's volatility from PostgreSQL's catalogue (pg_proc.provolatile), not from a list", () => {
    const rules = (sql: string) => lint(sql).findings.map((f) => f.rule);
    // Volatile in pg_proc, though no list of ours names them.
    expect(rules("ALTER TABLE orders ADD COLUMN drawn float8 DEFAULT random_normal();")).toEqual(["volatile-default"]);
    expect(rules("ALTER TABLE orders ADD COLUMN ref text DEFAULT md5(random()::text);")).toEqual(["volatile-default"]);
    expect(rules("ALTER TABLE orders ADD COLUMN ref text DEFAULT random_code();")).toEqual(["volatile-default"]);
    // Stable or immutable: evaluated once, no rewrite.
    expect(rules("ALTER TABLE orders ADD COLUMN day date DEFAULT shop_today();")).toEqual([]);
    expect(rules("ALTER TABLE orders ADD COLUMN created_on date DEFAULT CURRENT_DATE;")).toEqual([]);
    expect(rules("ALTER TABLE orders ADD COLUMN slug text DEFAULT lower('NEW');")).toEqual([]);
    expect(rules("ALTER TABLE orders ADD COLUMN at timestamptz DEFAULT statement_timestamp();")).toEqual([]);
    // A function created earlier in the run has the volatility it declares; none declared is VOLATILE.
    expect(rules("CREATE FUNCTION tag() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'v1' $$;\nALTER TABLE orders ADD COLUMN tag text DEFAULT tag();")).toEqual([]);
    expect(rules("CREATE FUNCTION tag() RETURNS text LANGUAGE sql AS $$ SELECT 'v1' $$;\nALTER TABLE orders ADD COLUMN tag text DEFAULT tag();")).toEqual(["volatile-default"]);
  });

  it("passes type changes PostgreSQL makes without a rewrite, and flags the others, from the column's type in the catalogue", () => {
    const rules = (sql: string) => lint(sql).findings.map((f) => f.rule);
    for (const free of [
      "ALTER TABLE orders ALTER COLUMN code TYPE text;",
      "ALTER TABLE orders ALTER COLUMN code TYPE varchar(64);",
      "ALTER TABLE orders ALTER COLUMN code TYPE character varying;",
      "ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);",
      "ALTER TABLE orders ALTER COLUMN total TYPE numeric;",
      "ALTER TABLE orders ALTER COLUMN currency TYPE varchar;",
      "ALTER TABLE users ALTER COLUMN email TYPE varchar(255);",
    ])
      expect(rules(free), free).toEqual([]);
    for (const rewrite of [
      "ALTER TABLE orders ALTER COLUMN code TYPE varchar(10);",
      "ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,4);",
      "ALTER TABLE orders ALTER COLUMN total TYPE numeric(8,2);",
      "ALTER TABLE orders ALTER COLUMN currency TYPE varchar(3);",
      "ALTER TABLE orders ALTER COLUMN user_id TYPE int;",
      "ALTER TABLE orders ALTER COLUMN created_at TYPE timestamptz;",
      "ALTER TABLE orders ALTER COLUMN code TYPE text USING upper(code);",
      'ALTER TABLE orders ALTER COLUMN code TYPE text COLLATE "C";',
      "ALTER TABLE unknown_table ALTER COLUMN code TYPE text;",
    ])
      expect(rules(rewrite), rewrite).toEqual(["alter-column-type"]);
    // The type a column was given earlier in the run counts, not only the catalogue's.
    expect(rules("ALTER TABLE orders ALTER COLUMN code TYPE varchar(64);\nALTER TABLE orders ALTER COLUMN code TYPE varchar(32);")).toEqual(["alter-column-type"]);
  });

  it("treats a table created by an earlier migration of the same run as new, and a generated NOT NULL column as filled", () => {
    const context = shop.freshContext();
    expect(lint("CREATE TABLE invoices (id bigserial PRIMARY KEY, net numeric(10,2));", "V8__invoices.sql", context).findings).toEqual([]);
    const next = lint("ALTER TABLE invoices ADD COLUMN gross numeric GENERATED ALWAYS AS (net * 1.2) STORED NOT NULL;\nCREATE INDEX invoices_net ON invoices (net);", "V9__gross.sql", context);
    expect(next.findings).toEqual([]);
    // Without the earlier migration, the same file is about a live table.
    expect(lint("ALTER TABLE orders ADD COLUMN gross numeric GENERATED ALWAYS AS (total * 1.2) STORED NOT NULL;").findings.map((f) => f.rule)).toEqual(["add-column-rewrite"]);
  });

  it("counts lines in bytes the way the parser does, past non-ASCII text", () => {
    expect(lint("COMMENT ON TABLE orders IS 'Bestellungen für Kunden — ünïcödé';\n\nDROP TABLE legacy;\n").findings).toMatchObject([{ rule: "drop-table", line: 3, statement: "DROP TABLE legacy" }]);
  });
});
