/** A node of libpg_query's JSON tree: `{ NodeType: { ...fields } }`. */
export type PgNode = Record<string, any>;

/** What the PostgreSQL parser (libpg_query) returns for a script. */
export interface ParseResult {
  stmts?: Array<{ stmt: PgNode; stmt_location?: number; stmt_len?: number }>;
}

/** PostgreSQL's own parser, injected: the WASM build is loaded once, by the caller. */
export type SqlParser = (sql: string) => ParseResult;

/** A syntax error, with where PostgreSQL's parser says it is. */
export interface SyntaxProblem {
  message: string;
  line: number;
}

/** One statement of a migration file: its text, its first line, its parsed tree. */
export interface Statement {
  text: string;
  line: number;
  node: PgNode;
  /** The statement's first character in the file, in bytes (the parser counts bytes). */
  start: number;
}

/** The 1-based line of a byte offset. */
export function lineOfByte(bytes: Buffer, offset: number): number {
  let line = 1;
  const end = Math.min(offset, bytes.length);
  for (let i = 0; i < end; i++) if (bytes[i] === 10) line++;
  return line;
}

/**
 * Splits a script into its statements with PostgreSQL's own parser: function bodies in `$$`,
 * semicolons in strings and comments are all read as the server reads them. The parser's
 * offsets count bytes, so the text is cut from the bytes.
 */
export function splitStatements(sql: string, parse: SqlParser): Statement[] | SyntaxProblem {
  const bytes = Buffer.from(sql, "utf8");
  let result: ParseResult;
  try {
    result = parse(sql);
  } catch (error) {
    const e = error as { message?: string; sqlDetails?: { cursorPosition?: number } };
    const at = e.sqlDetails?.cursorPosition;
    return { message: e.message ?? String(error), line: typeof at === "number" ? lineOfByte(bytes, at) : 1 };
  }
  return (result.stmts ?? []).map((s) => {
    const start = s.stmt_location ?? 0;
    const end = s.stmt_len ? start + s.stmt_len : bytes.length;
    const raw = bytes.subarray(start, end).toString("utf8");
    // The statement's range begins after the previous `;`: skip the blank lines and comments before it.
    const lead = /^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/.exec(raw)![0];
    const offset = start + Buffer.byteLength(lead);
    return { text: raw.slice(lead.length).trim(), line: lineOfByte(bytes, offset), node: s.stmt, start: offset };
  });
}
