import { changesWithoutRewrite, emptyCatalogue, isVolatile, typeOfNode, type SchemaCatalogue } from "./catalogue.js";
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
    fix: "Add it with NOT VALID, then `ALTER TABLE ... VALIDATE CONSTRAINT ...` in a later migration (it takes a weaker lock, once the first one is committed).",
  },
  "validate-in-same-transaction": {
    reason: "VALIDATE CONSTRAINT in the same migration as its ADD ... NOT VALID runs in the same transaction, which still holds ADD CONSTRAINT's lock: every row is checked while writes are blocked.",
    fix: "Move `ALTER TABLE ... VALIDATE CONSTRAINT ...` to a migration of its own, after the one that adds the constraint NOT VALID.",
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
  "add-column-rewrite": {
    reason: "ADD COLUMN with serial, an identity or a STORED generated column fills every existing row: the table is rewritten under an ACCESS EXCLUSIVE lock.",
    fix: "Add a plain nullable column, attach the sequence or computation for new rows, and backfill existing rows in batches.",
  },
  "add-column-constraint": {
    reason: "ADD COLUMN with an inline UNIQUE, PRIMARY KEY or REFERENCES builds an index or checks the referenced table while both tables are locked.",
    fix: "Add the column plain; then CREATE UNIQUE INDEX CONCURRENTLY and ADD CONSTRAINT ... USING INDEX, or ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID and validate later.",
  },
  "unique-without-index": {
    reason: "ADD CONSTRAINT ... UNIQUE, PRIMARY KEY or EXCLUDE builds its index while holding a lock that blocks writes.",
    fix: "CREATE UNIQUE INDEX CONCURRENTLY first (in a `-- shipline:no-transaction` file), then ADD CONSTRAINT ... UNIQUE USING INDEX (or PRIMARY KEY USING INDEX).",
  },
  "drop-index-not-concurrent": {
    reason: "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table: reads and writes wait.",
    fix: "Use DROP INDEX CONCURRENTLY in a file of its own that starts with `-- shipline:no-transaction`.",
  },
  "reindex-not-concurrent": {
    reason: "REINDEX without CONCURRENTLY blocks writes to the table (and reads that would use the index) while it rebuilds.",
    fix: "Use REINDEX ... CONCURRENTLY (PostgreSQL 12+) in a file of its own that starts with `-- shipline:no-transaction`.",
  },
  "detach-partition-not-concurrent": {
    reason: "DETACH PARTITION without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the parent table.",
    fix: "Use DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+) in a file of its own that starts with `-- shipline:no-transaction`.",
  },
  "vacuum-full": {
    reason: "VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock.",
    fix: "Use plain VACUUM, or rebuild the table online with a tool such as pg_repack, outside migrations.",
  },
  cluster: {
    reason: "CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock.",
    fix: "Rebuild the table online with a tool such as pg_repack, outside migrations.",
  },
  "domain-constraint": {
    reason: "ALTER DOMAIN ... ADD CONSTRAINT or SET NOT NULL checks every column of the domain in every table under a lock that blocks writes.",
    fix: "Add a CHECK constraint with NOT VALID (`CHECK (VALUE IS NOT NULL)` for NOT NULL), then VALIDATE CONSTRAINT in a later migration.",
  },
  "drop-database": {
    reason: "DROP DATABASE destroys every table of the database.",
    fix: "Drop databases by hand, never in a migration.",
  },
  "truncate-cascade": {
    reason: "TRUNCATE ... CASCADE also empties every table that references this one, whatever their size.",
    fix: "Truncate the tables you mean, each by name, or delete rows in batches.",
  },
  "drop-not-null": {
    reason: "DROP NOT NULL lets NULL in: the version still running may read a NULL it does not expect.",
    fix: "Make the code handle NULL in a release first, then drop the constraint in a later migration.",
  },
  "backfill-with-ddl": {
    reason: "An UPDATE of a whole table in the same migration as DDL holds the DDL's lock for as long as the update runs.",
    fix: "Backfill in a migration of its own (or a job), in batches, after the DDL's migration has committed.",
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

/** Problems with the file itself: it does not parse, it controls transactions, or an allow directive has no reason. */
export interface LintError {
  file: string;
  line: number;
  message: string;
}

const ALLOW = /--\s*shipline:allow\s+(\S+)(?:[ \t]+([^\n]*\S))?/g;
const SERIAL_TYPES = new Set(["serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"]);

function tableKey(relation: PgNode | undefined): string {
  if (!relation) return "";
  return `${relation.schemaname ?? ""}.${relation.relname ?? ""}`.toLowerCase();
}

/** Every function call in an expression tree, with its number of arguments. */
function functionCalls(node: unknown, out: Array<{ name: string; args: number }> = []): Array<{ name: string; args: number }> {
  if (Array.isArray(node)) for (const n of node) functionCalls(n, out);
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "FuncCall") {
        const call = value as PgNode;
        const last = ((call.funcname ?? []) as PgNode[]).at(-1)?.String?.sval;
        if (typeof last === "string") out.push({ name: last.toLowerCase(), args: ((call.args ?? []) as unknown[]).length });
      }
      functionCalls(value, out);
    }
  }
  return out;
}

/**
 * What linting knows beyond one file, shared by the pending migrations of one run, in order:
 * the database's catalogue, and what the earlier pending files create (a table created by a
 * migration of this run has no rows and no reader yet; a function it creates has the
 * volatility it declares; a column it adds has the type it declares).
 */
export interface LintContext {
  catalogue: SchemaCatalogue;
  created: Set<string>;
}

export const lintContext = (catalogue: SchemaCatalogue = emptyCatalogue()): LintContext => ({ catalogue, created: new Set() });

/** A column's key in the catalogue: `schema.table.column`, schema empty when the statement names none. */
const columnKey = (table: string, column: string) => `${table}.${column}`.toLowerCase();

/** Records a CREATE FUNCTION's declared volatility (VOLATILE when it declares none, as PostgreSQL does). */
function recordFunction(create: PgNode, catalogue: SchemaCatalogue): void {
  const name = String(((create.funcname ?? []) as PgNode[]).at(-1)?.String?.sval ?? "").toLowerCase();
  const option = ((create.options ?? []) as PgNode[]).find((o) => o.DefElem?.defname === "volatility");
  const word = String(option?.DefElem?.arg?.String?.sval ?? "volatile");
  const volatility = word === "immutable" ? "i" : word === "stable" ? "s" : "v";
  const args = ((create.parameters ?? []) as PgNode[]).filter((p) => !["FUNC_PARAM_OUT", "FUNC_PARAM_TABLE"].includes(p.FunctionParameter?.mode)).length;
  const list = (catalogue.functions.get(name) ?? []).filter((o) => o.args !== args || !create.replace);
  catalogue.functions.set(name, [...list, { args, volatility }]);
}

function constraintsOf(column: PgNode): PgNode[] {
  return ((column.constraints ?? []) as PgNode[]).map((c) => c.Constraint ?? {});
}

/** What a file has done before the statement being linted. */
interface FileState {
  /** Tables created in this file or an earlier pending one: nothing reads them yet. */
  created: Set<string>;
  catalogue: SchemaCatalogue;
  /** `table.column` with a validated `CHECK (column IS NOT NULL)`: SET NOT NULL skips the scan. */
  validated: Set<string>;
  /** Constraints added NOT VALID in this file, by `table.name`, with the column they check for NULL, if any. */
  notValid: Map<string, string | null>;
  /** The file has DDL beside its statements. */
  hasDdl: boolean;
  transactional: boolean;
}

/** The column a `CHECK (column IS NOT NULL)` is about, if that is the whole check. */
function notNullColumn(check: PgNode): string | null {
  const test = check.raw_expr?.NullTest as PgNode | undefined;
  if (!test || test.nulltesttype !== "IS_NOT_NULL") return null;
  const fields = (test.arg?.ColumnRef?.fields ?? []) as PgNode[];
  return typeof fields.at(-1)?.String?.sval === "string" ? String(fields.at(-1)!.String!.sval).toLowerCase() : null;
}

/** A DROP's objects as table keys (`schema.table`, schema empty when not named). */
function droppedNames(drop: PgNode): string[] {
  return ((drop.objects ?? []) as PgNode[]).map((o) => {
    const parts = ((o.List?.items ?? []) as PgNode[]).map((i) => String(i.String?.sval ?? ""));
    return `${parts.length > 1 ? parts.at(-2) : ""}.${parts.at(-1) ?? ""}`.toLowerCase();
  });
}

const hasOption = (options: unknown, name: string) => ((options ?? []) as PgNode[]).some((o) => o.DefElem?.defname === name);

/** The rules one statement breaks, given what the file did before it. */
function statementRules(statement: Statement, state: FileState): LintRule[] {
  const { created, validated, transactional } = state;
  const node = statement.node;
  const rules: LintRule[] = [];
  if (node.IndexStmt) {
    const index = node.IndexStmt as PgNode;
    if (index.concurrent && transactional) rules.push("concurrently-in-transaction");
    if (!index.concurrent && !created.has(tableKey(index.relation))) rules.push("index-not-concurrent");
  }
  if (node.DropStmt) {
    const drop = node.DropStmt as PgNode;
    // A table created earlier in this run has no reader yet: dropping it again breaks nobody.
    if (drop.removeType === "OBJECT_TABLE" && !droppedNames(drop).every((name) => created.has(name))) rules.push("drop-table");
    if (drop.removeType === "OBJECT_INDEX" && drop.concurrent && transactional) rules.push("concurrently-in-transaction");
    if (drop.removeType === "OBJECT_INDEX" && !drop.concurrent) rules.push("drop-index-not-concurrent");
  }
  if (node.ReindexStmt) {
    const concurrent = hasOption((node.ReindexStmt as PgNode).params, "concurrently");
    if (!concurrent) rules.push("reindex-not-concurrent");
    else if (transactional) rules.push("concurrently-in-transaction");
  }
  if (node.VacuumStmt && hasOption((node.VacuumStmt as PgNode).options, "full")) rules.push("vacuum-full");
  if (node.ClusterStmt) rules.push("cluster");
  if (node.DropdbStmt) rules.push("drop-database");
  if (node.TruncateStmt && (node.TruncateStmt as PgNode).behavior === "DROP_CASCADE") rules.push("truncate-cascade");
  if (node.AlterDomainStmt) {
    const domain = node.AlterDomainStmt as PgNode;
    // "C": ADD CONSTRAINT (unless NOT VALID); "O": SET NOT NULL. Both check every column of the domain.
    if ((domain.subtype === "C" && !domain.def?.Constraint?.skip_validation) || domain.subtype === "O") rules.push("domain-constraint");
  }
  if (node.UpdateStmt && !(node.UpdateStmt as PgNode).whereClause && state.hasDdl && !created.has(tableKey((node.UpdateStmt as PgNode).relation))) rules.push("backfill-with-ddl");
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
          const type = String(((column.typeName?.names ?? []) as PgNode[]).at(-1)?.String?.sval ?? "").toLowerCase();
          const fills = SERIAL_TYPES.has(type) || constraints.some((c) => c.contype === "CONSTR_IDENTITY" || (c.contype === "CONSTR_GENERATED" && c.generated_kind === "s"));
          // A generated, identity or serial column has a value in every row: NOT NULL cannot fail.
          if (!fresh && !fills && constraints.some((c) => c.contype === "CONSTR_NOTNULL") && defaults.length === 0) rules.push("add-column-not-null");
          if (!fresh && defaults.some((c) => functionCalls(c.raw_expr).some((f) => isVolatile(state.catalogue, f.name, f.args)))) rules.push("volatile-default");
          if (!fresh && fills) rules.push("add-column-rewrite");
          if (typeof column.colname === "string") state.catalogue.columns.set(columnKey(table, column.colname), typeOfNode(column.typeName));
          if (!fresh && constraints.some((c) => c.contype === "CONSTR_UNIQUE" || c.contype === "CONSTR_PRIMARY" || c.contype === "CONSTR_FOREIGN")) rules.push("add-column-constraint");
          break;
        }
        case "AT_AddConstraint": {
          const c = (cmd.def?.Constraint ?? {}) as PgNode;
          if (!fresh && (c.contype === "CONSTR_FOREIGN" || c.contype === "CONSTR_CHECK") && !c.skip_validation) rules.push("constraint-not-valid");
          if (!fresh && (c.contype === "CONSTR_UNIQUE" || c.contype === "CONSTR_PRIMARY" || c.contype === "CONSTR_EXCLUSION") && !c.indexname) rules.push("unique-without-index");
          if (c.skip_validation && typeof c.conname === "string") state.notValid.set(`${table}.${c.conname.toLowerCase()}`, c.contype === "CONSTR_CHECK" ? notNullColumn(c) : null);
          break;
        }
        case "AT_ValidateConstraint": {
          const key = `${table}.${String(cmd.name ?? "").toLowerCase()}`;
          // Added NOT VALID in this very transaction: the ADD's lock is still held while VALIDATE scans.
          if (transactional && state.notValid.has(key)) rules.push("validate-in-same-transaction");
          const column = state.notValid.get(key);
          if (column) validated.add(`${table}.${column}`);
          break;
        }
        case "AT_DropNotNull":
          if (!fresh) rules.push("drop-not-null");
          break;
        case "AT_DetachPartition":
          if (!cmd.def?.PartitionCmd?.concurrent) rules.push("detach-partition-not-concurrent");
          else if (transactional) rules.push("concurrently-in-transaction");
          break;
        case "AT_AlterColumnType": {
          const column = (cmd.def?.ColumnDef ?? {}) as PgNode;
          const key = columnKey(table, String(cmd.name ?? ""));
          const from = state.catalogue.columns.get(key);
          const to = typeOfNode(column.typeName);
          // No USING and no new collation: a binary-coercible widening changes only the catalogue.
          const free = from !== undefined && !column.raw_default && !column.collClause && changesWithoutRewrite(from, to);
          if (!fresh && !free) rules.push("alter-column-type");
          state.catalogue.columns.set(key, to);
          break;
        }
        case "AT_DropColumn":
          if (!fresh) rules.push("drop-column");
          break;
        case "AT_SetNotNull":
          // Exempt only the column a validated `CHECK (column IS NOT NULL)` covers, not the whole table.
          if (!fresh && !validated.has(`${table}.${String(cmd.name ?? "").toLowerCase()}`)) rules.push("set-not-null");
          break;
      }
    }
  }
  if (node.CreateStmt) {
    const create = node.CreateStmt as PgNode;
    const table = tableKey(create.relation);
    created.add(table);
    for (const element of (create.tableElts ?? []) as PgNode[]) {
      const column = element.ColumnDef as PgNode | undefined;
      if (column && typeof column.colname === "string") state.catalogue.columns.set(columnKey(table, column.colname), typeOfNode(column.typeName));
    }
  }
  if (node.CreateFunctionStmt) recordFunction(node.CreateFunctionStmt as PgNode, state.catalogue);
  return rules;
}

/**
 * Lints one migration with PostgreSQL's own parser. A finding the file acknowledges with
 * `-- shipline:allow <rule> <reason>` is reported with its reason but does not fail the run.
 */
export function lintMigration(migration: MigrationFile, parse: SqlParser, context: LintContext = lintContext()): { findings: Finding[]; errors: LintError[] } {
  const statements = splitStatements(migration.sql, parse);
  if (!Array.isArray(statements)) return { findings: [], errors: [{ file: migration.file, line: statements.line, message: `PostgreSQL cannot parse it: ${statements.message}` }] };
  const errors: LintError[] = [];
  const allows: Array<{ rule: string; reason: string; line: number }> = [];
  for (const match of migration.sql.matchAll(ALLOW)) {
    const rule = match[1]!;
    const line = migration.sql.slice(0, match.index).split("\n").length;
    if (!(rule in LINT_RULES)) errors.push({ file: migration.file, line, message: `\`shipline:allow ${rule}\`: no such rule. The rules are ${Object.keys(LINT_RULES).map((r) => `\`${r}\``).join(", ")}.` });
    else if (!match[2]) errors.push({ file: migration.file, line, message: `\`shipline:allow ${rule}\` needs a reason after the rule, such as \`-- shipline:allow ${rule} table has 40 rows\`.` });
    else allows.push({ rule, reason: match[2], line });
  }
  // BEGIN, COMMIT, ROLLBACK or SAVEPOINT would end the migration's own transaction part-way:
  // the file is refused before anything runs, whatever it acknowledges.
  for (const statement of statements) {
    const kind = (statement.node.TransactionStmt as PgNode | undefined)?.kind;
    if (migration.transactional && typeof kind === "string") {
      const word = kind.replace(/^TRANS_STMT_/, "").replace(/_/g, " ");
      errors.push({ file: migration.file, line: statement.line, message: `${word} controls the transaction, which Shipline runs around each migration: the file would be applied part-way. Remove it (a file that must run outside a transaction starts with \`-- shipline:no-transaction\`).` });
    }
  }
  const state: FileState = {
    created: context.created,
    catalogue: context.catalogue,
    validated: new Set(),
    notValid: new Map(),
    hasDdl: statements.some((s) => !s.node.UpdateStmt && !s.node.InsertStmt && !s.node.DeleteStmt && !s.node.SelectStmt),
    transactional: migration.transactional,
  };
  // An acknowledgement covers the one statement below it, not the rest of the file.
  const nextStatementLine = (line: number) => Math.min(...statements.map((s) => s.line).filter((l) => l > line));
  const allowedFor = (rule: string, statementLine: number) => allows.find((a) => a.rule === rule && nextStatementLine(a.line) === statementLine)?.reason ?? null;
  const findings: Finding[] = [];
  for (const statement of statements) {
    for (const rule of statementRules(statement, state)) {
      const text = statement.text.replace(/\s+/g, " ");
      findings.push({ rule, file: migration.file, line: statement.line, statement: text.length > 120 ? `${text.slice(0, 119)}…` : text, ...LINT_RULES[rule], allowed: allowedFor(rule, statement.line) });
    }
  }
  return { findings, errors };
}
