import type { MigrationDatabase } from "./database.js";
import type { PgNode } from "./statements.js";

/** `pg_proc.provolatile`: immutable, stable or volatile. */
export type Volatility = "i" | "s" | "v";

/** A column's type, in the parser's names: `varchar` with `[20]`, `numeric` with `[10, 2]`, `text` with `[]`. */
export interface ColumnType {
  name: string;
  mods: number[];
  array: boolean;
}

/**
 * What the lint needs to know of the database it migrates, read from PostgreSQL's own catalogue
 * once per run: each function's volatility (a volatile DEFAULT rewrites the table, a stable one
 * does not) and each column's type (a wider varchar is free, a narrower one is not).
 */
export interface SchemaCatalogue {
  /** Overloads by function name (lower case). */
  functions: Map<string, Array<{ args: number; volatility: Volatility }>>;
  /** By `schema.table.column`; tables of `public` are also under `.table.column` (the default search path). */
  columns: Map<string, ColumnType>;
}

export const emptyCatalogue = (): SchemaCatalogue => ({ functions: new Map(), columns: new Map() });

/** format_type's SQL spellings → the parser's internal names. */
const SQL_NAMES: Record<string, string> = {
  "character varying": "varchar",
  character: "bpchar",
  "bit varying": "varbit",
  integer: "int4",
  bigint: "int8",
  smallint: "int2",
  boolean: "bool",
  real: "float4",
  "double precision": "float8",
  "timestamp without time zone": "timestamp",
  "timestamp with time zone": "timestamptz",
  "time without time zone": "time",
  "time with time zone": "timetz",
  decimal: "numeric",
};

/** Reads `format_type()`'s text: `character varying(255)`, `numeric(10,2)[]`, `timestamp(3) with time zone`. */
export function parseFormattedType(text: string): ColumnType {
  const array = text.endsWith("[]");
  const bare = array ? text.slice(0, -2) : text;
  const match = /^(.*?)(?:\((\d+(?:,\d+)?)\))?( with(?:out)? time zone)?$/.exec(bare)!;
  const name = `${match[1]}${match[3] ?? ""}`.replace(/^"|"$/g, "");
  return { name: SQL_NAMES[name] ?? name, mods: match[2] ? match[2].split(",").map(Number) : [], array };
}

/** A serial column is an integer column with a sequence: what the catalogue reports it as. */
const SERIAL_BASE: Record<string, string> = { serial: "int4", serial4: "int4", bigserial: "int8", serial8: "int8", smallserial: "int2", serial2: "int2" };

/** A parse tree's TypeName as a ColumnType. */
export function typeOfNode(typeName: PgNode | undefined): ColumnType {
  const names = ((typeName?.names ?? []) as PgNode[]).map((n) => String(n.String?.sval ?? ""));
  const mods = ((typeName?.typmods ?? []) as PgNode[]).map((m) => Number(m.A_Const?.ival?.ival ?? 0));
  const name = (names.at(-1) ?? "").toLowerCase();
  return { name: SERIAL_BASE[name] ?? name, mods, array: Array.isArray(typeName?.arrayBounds) && typeName.arrayBounds.length > 0 };
}

/**
 * Whether PostgreSQL changes `from` into `to` without rewriting or scanning the table:
 * varchar → text, a wider (or unbounded) varchar, numeric with more precision at the same
 * scale. Anything else is a rewrite under an ACCESS EXCLUSIVE lock.
 */
export function changesWithoutRewrite(from: ColumnType, to: ColumnType): boolean {
  if (from.array !== to.array) return false;
  const same = from.name === to.name;
  if (same && from.mods.join() === to.mods.join()) return true;
  if ((from.name === "varchar" || from.name === "text") && to.name === "text") return true;
  // text → unbounded varchar is binary coercible; a bound would check every row.
  if (from.name === "text" && to.name === "varchar") return to.mods.length === 0;
  if (same && (from.name === "varchar" || from.name === "varbit")) return to.mods.length === 0 || (from.mods.length > 0 && to.mods[0]! >= from.mods[0]!);
  if (same && from.name === "numeric") {
    if (to.mods.length === 0) return true;
    if (from.mods.length === 0) return false;
    return to.mods[0]! >= from.mods[0]! && (to.mods[1] ?? 0) === (from.mods[1] ?? 0);
  }
  return false;
}

/** Reads the catalogue of the database the migrations are for: two queries, once per run. */
export async function readCatalogue(db: MigrationDatabase): Promise<SchemaCatalogue> {
  const catalogue = emptyCatalogue();
  const functions = await db.query<{ name: string; args: number; volatility: Volatility }>("SELECT proname AS name, pronargs AS args, provolatile AS volatility FROM pg_catalog.pg_proc");
  for (const f of functions) {
    const list = catalogue.functions.get(f.name.toLowerCase()) ?? [];
    list.push({ args: Number(f.args), volatility: f.volatility });
    catalogue.functions.set(f.name.toLowerCase(), list);
  }
  const columns = await db.query<{ schema: string; table: string; column: string; type: string }>(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`,
  );
  for (const c of columns) {
    const type = parseFormattedType(c.type);
    catalogue.columns.set(`${c.schema}.${c.table}.${c.column}`.toLowerCase(), type);
    if (c.schema === "public") catalogue.columns.set(`.${c.table}.${c.column}`.toLowerCase(), type);
  }
  return catalogue;
}

/**
 * Whether a call is volatile: the overloads with that many arguments (or, if none, all of that
 * name) decide; a function the catalogue does not have is volatile, PostgreSQL's default for
 * CREATE FUNCTION.
 */
export function isVolatile(catalogue: SchemaCatalogue, name: string, args: number): boolean {
  const overloads = catalogue.functions.get(name.toLowerCase());
  if (!overloads || overloads.length === 0) return true;
  const matching = overloads.filter((o) => o.args === args);
  return (matching.length > 0 ? matching : overloads).some((o) => o.volatility === "v");
}
