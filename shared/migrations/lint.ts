import type { MigrationFile } from "./files.js";
import { splitStatements, type PgNode, type SqlParser, type Statement } from "./statements.js";

/** The zero-downtime rules: DDL that locks or rewrites a live table, or breaks the running version. */
export const LINT_RULES = {
  "index-not-concurrent": {
    reason: "CREATE INDEX without CONCURRENTLY blocks every write to the table while the index builds.",
    fix: "Use CREATE INDEX CONCURRENTLY in a file of its own that starts with `-- shipline:no-transaction`.",
  },
  "concurrently-in-transaction": {
    reason: "CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction, and this file runs in one.",
    fix: "Start the file with `-- shipline:no-transaction` (and keep only that statement in it).",
  },
  "add-column-not-null": {
    reason: "ADD COLUMN ... NOT NULL without a default fails on a table with rows, and the running version does not write the column.",
    fix: "Add the column nullable (or with a constant DEFAULT), backfill it, then add the NOT NULL constraint in a later migration.",
  },
  "constraint-not-valid": {
    reason: "ADD CONSTRAINT (foreign key or check) validates every row while holding a lock that blocks writes.",
    fix: "Add it with NOT VALID, then `ALTER TABLE ... VALIDATE CONSTRAINT ...` in a later statement (it takes a weaker lock).",
  },
  "alter-column-type": {
    reason: "ALTER COLUMN ... TYPE rewrites the table under an ACCESS EXCLUSIVE lock, and the running version reads the old type.",
    fix: "Expand and contract: add a new column of the new type, write both, backfill, switch reads, then drop the old one.",
  },
  rename: {
    reason: "Renaming a column or table breaks the version still running, which uses the old name.",
    fix: "Expand and contract: add the new name (a column, or a view for a table), move reads and writes, drop the old name later.",
  },
  "drop-column": {
    reason: "The version still running reads this column until the new one is fully deployed.",
    fix: "Stop using the column in a release first; drop it in a later migration, once no running version reads it.",
  },
  "drop-table": {
    reason: "The version still running reads this table until the new one is fully deployed.",
    fix: "Stop using the table in a release first; drop it in a later migration, once no running version reads it.",
  },
  "set-not-null": {
    reason: "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock.",
    fix: "Add `CHECK (col IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT` it, then SET NOT NULL (PostgreSQL 12+ uses the check and skips the scan).",
  },
  "volatile-default": {
    reason: "ADD COLUMN with a volatile DEFAULT (random(), gen_random_uuid(), clock_timestamp()...) rewrites the whole table under an ACCESS EXCLUSIVE lock.",
    fix: "Add the column without a default (or a constant one), set the default afterwards, and backfill existing rows in batches.",
  },
} as const;

export type LintRule = keyof typeof LINT_RULES;

export interface Finding {
  rule: LintRule;
  file: string;
  line: number;
  /** The statement, shortened. */
  statement: string;
  reason: string;
  fix: string;
  /** The reason given in `-- shipline:allow <rule> <reason>`, when the file acknowledges the finding. */
  allowed: string | null;
}

/** Problems with the file itself: it does not parse, or an allow directive has no reason. */
export interface LintError {
  file: string;
  line: number;
  message: string;
}

const ALLOW = /--\s*shipline:allow\s+(\S+)(?:[ \t]+([^\n]*\S))?/g;
const VOLATILE = new Set(["random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4", "clock_timestamp", "timeofday", "nextval", "txid_current", "setseed"]);

function tableKey(relation: PgNode | undefined): string {
  if (!relation) return "";
  return `${relation.schemaname ?? ""}.${relation.relname ?? ""}`.toLowerCase();
}

/** Every FuncCall name in an expression tree. */
function functionNames(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) functionNames(n, out);
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "FuncCall") {
        const names = ((value as PgNode).funcname ?? []) as PgNode[];
        const last = names.at(-1)?.String?.sval;
        if (typeof last === "string") out.push(last.toLowerCase());
      }
      functionNames(value, out);
    }
  }
  return out;
}

function constraintsOf(column: PgNode): PgNode[] {
  return ((column.constraints ?? []) as PgNode[]).map((c) => c.Constraint ?? {});
}

/** The rules one statement breaks, given the tables created earlier in the same file. */
function statementRules(statement: Statement, created: Set<string>, validated: Set<string>, transactional: boolean): LintRule[] {
  const node = statement.node;
  const rules: LintRule[] = [];
  if (node.IndexStmt) {
    const index = node.IndexStmt as PgNode;
    if (index.concurrent && transactional) rules.push("concurrently-in-transaction");
    if (!index.concurrent && !created.has(tableKey(index.relation))) rules.push("index-not-concurrent");
  }
  if (node.DropStmt) {
    const drop = node.DropStmt as PgNode;
    if (drop.removeType === "OBJECT_TABLE") rules.push("drop-table");
    if (drop.removeType === "OBJECT_INDEX" && drop.concurrent && transactional) rules.push("concurrently-in-transaction");
  }
  if (node.RenameStmt) {
    const type = (node.RenameStmt as PgNode).renameType;
    if (type === "OBJECT_COLUMN" || type === "OBJECT_TABLE") rules.push("rename");
  }
  if (node.AlterTableStmt) {
    const alter = node.AlterTableStmt as PgNode;
    const table = tableKey(alter.relation);
    const fresh = created.has(table);
    for (const item of (alter.cmds ?? []) as PgNode[]) {
      const cmd = (item.AlterTableCmd ?? {}) as PgNode;
      switch (cmd.subtype) {
        case "AT_AddColumn": {
          const column = (cmd.def?.ColumnDef ?? {}) as PgNode;
          const constraints = constraintsOf(column);
          const defaults = constraints.filter((c) => c.contype === "CONSTR_DEFAULT");
          if (!fresh && constraints.some((c) => c.contype === "CONSTR_NOTNULL") && defaults.length === 0) rules.push("add-column-not-null");
          if (!fresh && defaults.some((c) => functionNames(c.raw_expr).some((f) => VOLATILE.has(f)))) rules.push("volatile-default");
          break;
        }
        case "AT_AddConstraint": {
          const c = (cmd.def?.Constraint ?? {}) as PgNode;
          if (!fresh && (c.contype === "CONSTR_FOREIGN" || c.contype === "CONSTR_CHECK") && !c.skip_validation) rules.push("constraint-not-valid");
          break;
        }
        case "AT_ValidateConstraint":
          validated.add(table);
          break;
        case "AT_AlterColumnType":
          if (!fresh) rules.push("alter-column-type");
          break;
        case "AT_DropColumn":
          if (!fresh) rules.push("drop-column");
          break;
        case "AT_SetNotNull":
          if (!fresh && !validated.has(table)) rules.push("set-not-null");
          break;
      }
    }
  }
  if (node.CreateStmt) created.add(tableKey((node.CreateStmt as PgNode).relation));
  return rules;
}

/**
 * Lints one migration with PostgreSQL's own parser. A finding the file acknowledges with
 * `-- shipline:allow <rule> <reason>` is reported with its reason but does not fail the run.
 */
export function lintMigration(migration: MigrationFile, parse: SqlParser): { findings: Finding[]; errors: LintError[] } {
  const statements = splitStatements(migration.sql, parse);
  if (!Array.isArray(statements)) return { findings: [], errors: [{ file: migration.file, line: statements.line, message: `PostgreSQL cannot parse it: ${statements.message}` }] };
  const errors: LintError[] = [];
  const allowed = new Map<string, string>();
  for (const match of migration.sql.matchAll(ALLOW)) {
    const rule = match[1]!;
    const line = migration.sql.slice(0, match.index).split("\n").length;
    if (!(rule in LINT_RULES)) errors.push({ file: migration.file, line, message: `\`shipline:allow ${rule}\`: no such rule. The rules are ${Object.keys(LINT_RULES).map((r) => `\`${r}\``).join(", ")}.` });
    else if (!match[2]) errors.push({ file: migration.file, line, message: `\`shipline:allow ${rule}\` needs a reason after the rule, such as \`-- shipline:allow ${rule} table has 40 rows\`.` });
    else allowed.set(rule, match[2]);
  }
  const created = new Set<string>();
  const validated = new Set<string>();
  const findings: Finding[] = [];
  for (const statement of statements) {
    for (const rule of statementRules(statement, created, validated, migration.transactional)) {
      const text = statement.text.replace(/\s+/g, " ");
      findings.push({ rule, file: migration.file, line: statement.line, statement: text.length > 120 ? `${text.slice(0, 119)}…` : text, ...LINT_RULES[rule], allowed: allowed.get(rule) ?? null });
    }
  }
  return { findings, errors };
}
