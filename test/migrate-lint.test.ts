import { beforeAll, describe, expect, it } from "vitest";
import { parseMigrationFiles } from "../shared/migrations/files.js";
import { LINT_RULES, lintMigration, type LintRule } from "../shared/migrations/lint.js";
import { loadSqlParser } from "../shared/migrations/parser.js";
import type { SqlParser } from "../shared/migrations/statements.js";

let parse: SqlParser;
beforeAll(async () => {
  parse = await loadSqlParser();
});

const lint = (sql: string, file = "V7__change.sql") => lintMigration(parseMigrationFiles([{ file, content: sql }])[0]!, parse);

/** Each rule: DDL that takes a live table down or breaks the running version, and its safe form. */
const CASES: Array<{ rule: LintRule; bad: string; good: string; file?: string }> = [
  { rule: "index-not-concurrent", bad: "CREATE INDEX orders_user ON orders (user_id);", good: "-- shipline:no-transaction\nCREATE INDEX CONCURRENTLY orders_user ON orders (user_id);" },
  { rule: "concurrently-in-transaction", bad: "CREATE INDEX CONCURRENTLY orders_user ON orders (user_id);", good: "-- shipline:no-transaction\nCREATE INDEX CONCURRENTLY orders_user ON orders (user_id);" },
  { rule: "add-column-not-null", bad: "ALTER TABLE orders ADD COLUMN total numeric NOT NULL;", good: "ALTER TABLE orders ADD COLUMN total numeric NOT NULL DEFAULT 0;" },
  { rule: "constraint-not-valid", bad: "ALTER TABLE orders ADD CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id);", good: "ALTER TABLE orders ADD CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;" },
  { rule: "constraint-not-valid", bad: "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0);", good: "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT positive;" },
  { rule: "alter-column-type", bad: "ALTER TABLE orders ALTER COLUMN total TYPE bigint;", good: "ALTER TABLE orders ADD COLUMN total_big bigint;" },
  { rule: "rename", bad: "ALTER TABLE orders RENAME COLUMN total TO amount;", good: "ALTER TABLE orders ADD COLUMN amount numeric;" },
  { rule: "rename", bad: "ALTER TABLE orders RENAME TO purchases;", good: "CREATE VIEW purchases AS SELECT * FROM orders;" },
  { rule: "drop-column", bad: "ALTER TABLE orders DROP COLUMN legacy;", good: "COMMENT ON COLUMN orders.legacy IS 'unused since 4.2; dropped in the next release';" },
  { rule: "drop-table", bad: "DROP TABLE legacy_orders;", good: "ALTER TABLE legacy_orders SET (autovacuum_enabled = false);" },
  { rule: "set-not-null", bad: "ALTER TABLE orders ALTER COLUMN total SET NOT NULL;", good: "ALTER TABLE orders ADD CONSTRAINT total_nn CHECK (total IS NOT NULL) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT total_nn;\nALTER TABLE orders ALTER COLUMN total SET NOT NULL;" },
  { rule: "volatile-default", bad: "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();", good: "ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT now();" },
  { rule: "volatile-default", bad: "ALTER TABLE orders ADD COLUMN seed int DEFAULT (random() * 100)::int;", good: "ALTER TABLE orders ADD COLUMN seed int DEFAULT 7;" },
];

describe("zero-downtime lint, with PostgreSQL's own parser", () => {
  it.each(CASES)("$rule: flags `$bad`, passes its safe form", ({ rule, bad, good }) => {
    const flagged = lint(`-- a change\n\n${bad}\n`);
    expect(flagged.errors).toEqual([]);
    expect(flagged.findings).toEqual([{ rule, file: "V7__change.sql", line: 3, statement: bad.replace(/;$/, ""), reason: LINT_RULES[rule].reason, fix: LINT_RULES[rule].fix, allowed: null }]);
    expect(lint(good)).toEqual({ findings: [], errors: [] });
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

  it("counts lines in bytes the way the parser does, past non-ASCII text", () => {
    expect(lint("COMMENT ON TABLE orders IS 'Bestellungen für Kunden — ünïcödé';\n\nDROP TABLE legacy;\n").findings).toMatchObject([{ rule: "drop-table", line: 3, statement: "DROP TABLE legacy" }]);
  });
});
