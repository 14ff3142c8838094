import type { SqlParser } from "./statements.js";

/** PostgreSQL's own parser (libpg_query compiled to WASM), loaded once. */
export async function loadSqlParser(): Promise<SqlParser> {
  const { loadModule, parseSync } = await import("libpg-query");
  await loadModule();
  return (sql) => parseSync(sql) as ReturnType<SqlParser>;
}
