import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll } from "vitest";
import { readCatalogue, type SchemaCatalogue } from "../../shared/migrations/catalogue.js";
import { connectPglite } from "../../shared/migrations/connect.js";
import { lintContext, type LintContext } from "../../shared/migrations/lint.js";
import { loadSqlParser } from "../../shared/migrations/parser.js";
import type { SqlParser } from "../../shared/migrations/statements.js";
import { SHOP_SCHEMA } from "../fixtures/lint/corpus.js";

/**
 * The lint's collaborators for a suite: PostgreSQL's parser, and the catalogue of the shop's
 * schema as PGlite holds it (read the way the migrate action reads the target database).
 */
export function useShopCatalogue(): { parse: () => SqlParser; freshContext: () => LintContext } {
  let parse: SqlParser;
  let pglite: PGlite;
  let catalogue: SchemaCatalogue;
  beforeAll(async () => {
    parse = await loadSqlParser();
    pglite = await PGlite.create();
    await pglite.exec(SHOP_SCHEMA);
    catalogue = await readCatalogue(await connectPglite({ instance: pglite }));
  });
  afterAll(() => pglite?.close());
  return {
    parse: () => parse,
    // A copy per run: a run's own changes (a type, a function) never leak into the next.
    freshContext: () => lintContext({ functions: new Map(catalogue.functions), columns: new Map(catalogue.columns) }),
  };
}
