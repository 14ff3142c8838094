import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseJUnit, totals, type Totals } from "../shared/test-reports/junit.js";

/** The files of the checkout the reports were written in: a shop with modules in several languages. */
const CHECKOUT = [
  "src/test/java/com/example/shop/CartTest.java",
  "src/main/java/com/example/shop/OrderService.java",
  "src/test/java/com/example/shop/OrderServiceTest.java",
  "src/test/java/com/example/shop/PriceTest.java",
  "src/test/kotlin/com/example/shop/CartTest.kt",
  "app/src/test/java/com/example/app/CartActivityTest.kt",
  "billing/src/test/java/com/example/billing/InvoiceTest.java",
  "shop/cart/cart_test.go",
  "tests/test_prices.py",
  "tests/test_db.py",
  "tests/test_api.py",
  "tests/test_stock.py",
  "shop/stock.py",
  "tests/test_tax.py",
  "test/cart.test.ts",
  "src/checkout.test.js",
  "src/api.test.ts",
  "tests/Unit/CartTest.php",
  "spec/models/cart_spec.rb",
  "test/checkout.spec.js",
  "tests/Shop.Tests/CartTests.cs",
  "test/cart_test.cc",
  "src/cart.rs",
  "e2e/checkout.spec.ts",
  "cypress/e2e/login.cy.ts",
];
const checkout = new Set(CHECKOUT);
const workspace = { workspace: "/home/runner/work/shop/shop", exists: (p: string) => checkout.has(p), findByTail: (tail: string) => CHECKOUT.find((f) => f === tail || f.endsWith(`/${tail}`)) };

/** What a reader of each report sees: the counts, and each failing test at its file and line. */
const EXPECTED: Record<string, { totals: Totals; failing: Array<[name: string, file: string | undefined, line: number | undefined]> }> = {
  "vitest.xml": { totals: { total: 3, passed: 1, failed: 1, skipped: 1, flaky: 0 }, failing: [["cart > totals the prices", "test/cart.test.ts", 18]] },
  "jest.xml": { totals: { total: 2, passed: 1, failed: 1, skipped: 0, flaky: 0 }, failing: [["checkout rejects an empty basket", "src/checkout.test.js", 27]] },
  "jest-retries.xml": { totals: { total: 2, passed: 2, failed: 0, skipped: 0, flaky: 1 }, failing: [] },
  "pytest.xml": { totals: { total: 4, passed: 2, failed: 2, skipped: 0, flaky: 0 }, failing: [["test_discount", "tests/test_prices.py", 11], ["test_connect", "tests/test_db.py", 6]] },
  "pytest-rerun.xml": { totals: { total: 2, passed: 2, failed: 0, skipped: 0, flaky: 1 }, failing: [] },
  "pytest-skips.xml": { totals: { total: 4, passed: 2, failed: 0, skipped: 2, flaky: 0 }, failing: [] },
  "unittest-xml.xml": { totals: { total: 2, passed: 1, failed: 1, skipped: 0, flaky: 0 }, failing: [["test_release", "tests/test_stock.py", 16]] },
  "go-junit-report.xml": { totals: { total: 3, passed: 1, failed: 1, skipped: 1, flaky: 0 }, failing: [["TestTotal", "shop/cart/cart_test.go", 21]] },
  "TEST-com.example.shop.CartTest.xml": { totals: { total: 3, passed: 2, failed: 1, skipped: 0, flaky: 0 }, failing: [["totalsPrices", "src/test/java/com/example/shop/CartTest.java", 23]] },
  "surefire-flaky.xml": { totals: { total: 2, passed: 2, failed: 0, skipped: 0, flaky: 1 }, failing: [] },
  "surefire-error.xml": { totals: { total: 2, passed: 1, failed: 1, skipped: 0, flaky: 0 }, failing: [["placesOrder", "src/main/java/com/example/shop/OrderService.java", 57]] },
  "maven-reactor.xml": { totals: { total: 3, passed: 1, failed: 1, skipped: 1, flaky: 0 }, failing: [["sumsLines", "billing/src/test/java/com/example/billing/InvoiceTest.java", 18]] },
  "testng-android-frames.xml": { totals: { total: 2, passed: 0, failed: 2, skipped: 0, flaky: 0 }, failing: [["roundsHalfUp", "src/test/java/com/example/shop/PriceTest.java", 31], ["opensCart", "app/src/test/java/com/example/app/CartActivityTest.kt", 12]] },
  "gradle-kotlin.xml": { totals: { total: 2, passed: 1, failed: 1, skipped: 0, flaky: 0 }, failing: [["totals the prices()", "src/test/kotlin/com/example/shop/CartTest.kt", 19]] },
  "phpunit.xml": { totals: { total: 3, passed: 1, failed: 1, skipped: 1, flaky: 0 }, failing: [["testTotals", "tests/Unit/CartTest.php", 24]] },
  "rspec.xml": { totals: { total: 3, passed: 1, failed: 1, skipped: 1, flaky: 0 }, failing: [["Cart totals the prices", "spec/models/cart_spec.rb", 9]] },
  "mocha-junit.xml": { totals: { total: 2, passed: 1, failed: 1, skipped: 0, flaky: 0 }, failing: [["checkout refuses an expired card", "test/checkout.spec.js", 31]] },
  "cypress.xml": { totals: { total: 2, passed: 1, failed: 1, skipped: 0, flaky: 0 }, failing: [["login rejects a wrong password", "cypress/e2e/login.cy.ts", 14]] },
  "playwright.xml": { totals: { total: 2, passed: 1, failed: 1, skipped: 0, flaky: 0 }, failing: [["checkout › shows the receipt", "e2e/checkout.spec.ts", 26]] },
  "dotnet-junit.xml": { totals: { total: 2, passed: 1, failed: 1, skipped: 0, flaky: 0 }, failing: [["Totals_the_prices", "tests/Shop.Tests/CartTests.cs", 27]] },
  "googletest.xml": { totals: { total: 3, passed: 1, failed: 1, skipped: 1, flaky: 0 }, failing: [["Totals", "test/cart_test.cc", 15]] },
  "nextest.xml": { totals: { total: 3, passed: 1, failed: 1, skipped: 1, flaky: 0 }, failing: [["tests::totals", "src/cart.rs", 88]] },
  "empty.xml": { totals: { total: 0, passed: 0, failed: 0, skipped: 0, flaky: 0 }, failing: [] },
};

describe("JUnit reports of 20 tools and layouts, read exactly", () => {
  const fixtures = readdirSync(new URL("./fixtures/junit/", import.meta.url)).filter((f) => f.endsWith(".xml"));

  it("has an expectation for every fixture", () => {
    expect(fixtures.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it("reads every fixture exactly: counts, and each failure at its file and line", () => {
    const read = fixtures.map((name) => {
      const results = parseJUnit(readFileSync(new URL(`./fixtures/junit/${name}`, import.meta.url), "utf8"), workspace);
      const failing = results.filter((r) => r.status === "failed" || r.status === "error").map((r) => [r.name, r.file, r.line]);
      return { name, got: { totals: totals(results), failing }, expected: EXPECTED[name] };
    });
    const exact = read.filter((r) => JSON.stringify(r.got) === JSON.stringify(r.expected));
    const failures = read.flatMap((r) => r.expected?.failing ?? []);
    const located = read.flatMap((r) => r.expected!.failing.filter((f) => r.got.failing.some((g) => JSON.stringify(g) === JSON.stringify(f))));
    console.log(`junit corpus: ${exact.length}/${read.length} fixtures exact, ${located.length}/${failures.length} failures at the right file and line`);
    expect(read.filter((r) => !exact.includes(r)).map((r) => ({ name: r.name, got: r.got }))).toEqual([]);
  });
});
