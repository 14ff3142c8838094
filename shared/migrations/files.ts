import { createHash } from "node:crypto";

/**
 * One migration file. Versioned files (`V<version>__<name>.sql`) run once, in version order;
 * repeatable ones (`R__<name>.sql`) run again whenever their checksum changes, after the
 * versioned ones (Flyway's conventions, which most teams already know).
 */
export interface MigrationFile {
  kind: "versioned" | "repeatable";
  /** `1.2.0` for `V1_2_0__x.sql` (underscores inside a version read as dots); null for repeatables. */
  version: string | null;
  /** The description part of the file name, underscores read as spaces. */
  name: string;
  file: string;
  sql: string;
  /** SHA-256 of the file's bytes, hex. */
  checksum: string;
  /** False when the file's header says `-- shipline:no-transaction` (CREATE INDEX CONCURRENTLY). */
  transactional: boolean;
}

/** A file that cannot be a migration, said with the file, what is wrong and the fix. */
export class MigrationFileError extends Error {}

const VERSIONED = /^V(\d+(?:[._]\d+)*)__(.+)\.sql$/;
const REPEATABLE = /^R__(.+)\.sql$/;
export const NO_TRANSACTION = /^\s*--\s*shipline:no-transaction\b/m;

/** Compares versions segment by segment as numbers: 1.10 comes after 1.9. */
export function compareVersions(a: string, b: string): number {
  const x = a.split(".").map(Number);
  const y = b.split(".").map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The comment lines (and blank lines) a file starts with: where its directives live. */
function header(sql: string): string {
  const lines: string[] = [];
  for (const line of sql.split("\n")) {
    if (line.trim() === "" || line.trim().startsWith("--")) lines.push(line);
    else break;
  }
  return lines.join("\n");
}

/**
 * Reads a directory's `.sql` files (name -> text) into migrations in the order they apply.
 * Other files are ignored; a `.sql` file with a name that is neither form, or two files of
 * one version, is an error naming the files.
 */
export function parseMigrationFiles(files: ReadonlyArray<{ file: string; content: Buffer | string }>): MigrationFile[] {
  const out: MigrationFile[] = [];
  const problems: string[] = [];
  for (const { file, content } of files) {
    if (!file.endsWith(".sql")) continue;
    const bytes = typeof content === "string" ? Buffer.from(content) : content;
    const sql = bytes.toString("utf8");
    const checksum = createHash("sha256").update(bytes).digest("hex");
    const transactional = !NO_TRANSACTION.test(header(sql));
    const versioned = VERSIONED.exec(file);
    const repeatable = REPEATABLE.exec(file);
    if (versioned) out.push({ kind: "versioned", version: versioned[1]!.replace(/_/g, "."), name: versioned[2]!.replace(/_/g, " "), file, sql, checksum, transactional });
    else if (repeatable) out.push({ kind: "repeatable", version: null, name: repeatable[1]!.replace(/_/g, " "), file, sql, checksum, transactional });
    else problems.push(`\`${file}\`: not a migration name. Name it \`V<version>__<name>.sql\` (such as \`V3__add_orders.sql\`) or \`R__<name>.sql\` for a repeatable one.`);
  }
  const byVersion = new Map<string, string>();
  for (const m of out) {
    if (m.kind !== "versioned") continue;
    const key = m.version!.split(".").map(Number).join(".");
    const other = byVersion.get(key);
    if (other) problems.push(`\`${other}\` and \`${m.file}\` have the same version ${m.version}: give one of them the next free version.`);
    byVersion.set(key, m.file);
  }
  if (problems.length) throw new MigrationFileError(problems.join("\n"));
  return out.sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === "versioned" ? -1 : 1;
    return a.kind === "versioned" ? compareVersions(a.version!, b.version!) : a.name.localeCompare(b.name);
  });
}

/** The 1-based line of a character offset in a text. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < Math.min(offset, text.length); i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
