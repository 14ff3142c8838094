import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseJUnit, totals } from "../shared/test-reports/junit.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/junit/${name}`, import.meta.url), "utf8");
const files = new Set(["src/test/java/com/example/shop/CartTest.java", "shop/cart/cart_test.go", "tests/test_prices.py", "tests/test_db.py"]);
const read = (name: string) => parseJUnit(fixture(name), { workspace: "/home/runner/work/shop/shop", exists: (p) => files.has(p) });

describe("parseJUnit: each tool's report, with the failure's file and line", () => {
  it.each([
    ["vitest.xml", { total: 3, passed: 1, failed: 1, skipped: 1 }, { name: "cart > totals the prices", file: "test/cart.test.ts", line: 18, message: "expected 41 to be 42 // Object.is equality" }],
    ["jest.xml", { total: 2, passed: 1, failed: 1, skipped: 0 }, { name: "checkout rejects an empty basket", file: "src/checkout.test.js", line: 27, message: "Error: expect(received).toThrow()" }],
    ["pytest.xml", { total: 4, passed: 2, failed: 2, skipped: 0 }, { name: "test_discount", file: "tests/test_prices.py", line: 11, message: "assert 90 == 85" }],
    ["go-junit-report.xml", { total: 3, passed: 1, failed: 1, skipped: 1 }, { name: "TestTotal", file: "shop/cart/cart_test.go", line: 21, message: "Failed" }],
    ["TEST-com.example.shop.CartTest.xml", { total: 3, passed: 2, failed: 1, skipped: 0 }, { name: "totalsPrices", file: "src/test/java/com/example/shop/CartTest.java", line: 23, message: "expected: <42> but was: <41>" }],
  ])("%s", (name, expectedTotals, firstFailure) => {
    const results = read(name);
    expect(totals(results)).toEqual(expectedTotals);
    expect(results.find((r) => r.status === "failed")).toMatchObject(firstFailure);
  });

  it("maps an absolute path written on another machine to the file that exists in this checkout", () => {
    const results = parseJUnit(fixture("jest.xml"), { workspace: "/tmp/elsewhere", exists: (p) => p === "src/checkout.test.js" });
    expect(results.find((r) => r.status === "failed")).toMatchObject({ file: "src/checkout.test.js", line: 27 });
  });

  it("counts pytest errors as failures, located by the report's file", () => {
    expect(read("pytest.xml").find((r) => r.status === "error")).toMatchObject({ name: "test_connect", file: "tests/test_db.py", line: 6 });
  });

  it("refuses a report that declares an external entity (no XXE)", () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><testsuite name="s"><testcase name="&xxe;" classname="c"/></testsuite>`;
    expect(() => parseJUnit(xxe, { workspace: "/", exists: () => false })).toThrow("External entities are not supported");
  });
});
