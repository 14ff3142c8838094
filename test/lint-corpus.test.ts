import { describe, expect, it } from "vitest";
import { parseMigrationFiles } from "../shared/migrations/files.js";
import { lintMigration } from "../shared/migrations/lint.js";
import { RUN, SAFE, UNSAFE, type LintCase } from "./fixtures/lint/corpus.js";
import { useShopCatalogue } from "./helpers/shop-catalogue.js";

const shop = useShopCatalogue();

/** What the lint raises for one case: its unacknowledged rules, and "error" for a refused file. */
function raised(cases: LintCase[]): string[][] {
  const context = shop.freshContext();
  return cases.map((c, i) => {
    const file = /^V\d+__/.test(c.name) ? c.name : `V${i + 1}__case.sql`;
    const { findings, errors } = lintMigration(parseMigrationFiles([{ file, content: c.sql }])[0]!, shop.parse(), context);
    return [...findings.filter((f) => f.allowed === null).map((f) => f.rule), ...(errors.length > 0 ? ["error"] : [])];
  });
}

describe("migration lint over a corpus of real-world migrations", () => {
  it("catches every unsafe case with its rule, and flags no safe one", () => {
    // Each unsafe case is linted on its own catalogue, as its own run.
    const unsafe = UNSAFE.map((c) => ({ name: c.name, expected: c.expect, got: raised([c])[0]! }));
    const safe = SAFE.map((c) => ({ name: c.name, got: raised([c])[0]! }));
    const caught = unsafe.filter((u) => u.expected.every((rule) => u.got.includes(rule)));
    const exact = unsafe.filter((u) => u.got.join() === u.expected.join());
    const falsePositives = safe.filter((s) => s.got.length > 0);
    console.log(
      `lint corpus: ${caught.length}/${unsafe.length} unsafe caught (${((100 * caught.length) / unsafe.length).toFixed(1)}%), ${exact.length}/${unsafe.length} with exactly the expected rules, ` +
        `${falsePositives.length}/${safe.length} safe flagged (${((100 * falsePositives.length) / safe.length).toFixed(1)}% false positives)`,
    );
    expect(unsafe.filter((u) => !caught.includes(u))).toEqual([]);
    expect(unsafe.filter((u) => !exact.includes(u))).toEqual([]);
    expect(falsePositives).toEqual([]);
    expect(UNSAFE.length).toBeGreaterThanOrEqual(60);
    expect(SAFE.length).toBeGreaterThanOrEqual(50);
  });

  it("lints a run's migrations in order: a table created by the first is new for the second", () => {
    expect(raised(RUN)).toEqual([[], []]);
    expect(raised([RUN[1]!])).toEqual([["add-column-rewrite", "index-not-concurrent", "alter-column-type"]]);
  });
});
