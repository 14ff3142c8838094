import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseJUnit, totals } from "../shared/test-reports/junit.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/junit/${name}`, import.meta.url), "utf8");
const files = new Set(["src/test/java/com/example/shop/CartTest.java", "shop/cart/cart_test.go", "tests/test_prices.py", "tests/test_db.py"]);
const read = (name: string) => parseJUnit(fixture(name), { workspace: "/home/runner/work/shop/shop", exists: (p) => files.has(p) });

describe("parseJUnit: each tool's report, with the failure's file and line", () => {
  it.each([
    ["vitest.xml", { total: 3, passed: 1, failed: 1, skipped: 1, flaky: 0 }, { name: "cart > totals the prices", file: "test/cart.test.ts", line: 18, message: "expected 41 to be 42 // Object.is equality" }],
    ["jest.xml", { total: 2, passed: 1, failed: 1, skipped: 0, flaky: 0 }, { name: "checkout rejects an empty basket", file: "src/checkout.test.js", line: 27, message: "Error: expect(received).toThrow()" }],
    ["pytest.xml", { total: 4, passed: 2, failed: 2, skipped: 0, flaky: 0 }, { name: "test_discount", file: "tests/test_prices.py", line: 11, message: "assert 90 == 85" }],
    ["go-junit-report.xml", { total: 3, passed: 1, failed: 1, skipped: 1, flaky: 0 }, { name: "TestTotal", file: "shop/cart/cart_test.go", line: 21, message: "Failed" }],
    ["TEST-com.example.shop.CartTest.xml", { total: 3, passed: 2, failed: 1, skipped: 0, flaky: 0 }, { name: "totalsPrices", file: "src/test/java/com/example/shop/CartTest.java", line: 23, message: "expected: <42> but was: <41>" }],
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

describe("parseJUnit on real-world shapes", () => {
  const at = (files: string[], workspace = "/home/runner/work/shop/shop") => {
    const set = new Set(files);
    return { workspace, exists: (p: string) => set.has(p), findByTail: (tail: string) => files.find((f) => f === tail || f.endsWith(`/${tail}`)) };
  };

  it("skips TestNG's, the JDK's and Android's own frames: the first frame in the workspace wins", () => {
    const results = parseJUnit(fixture("testng-android-frames.xml"), at(["src/test/java/com/example/shop/PriceTest.java", "app/src/test/java/com/example/app/CartActivityTest.kt"]));
    expect(results.map((r) => [r.name, r.file, r.line])).toEqual([
      ["roundsHalfUp", "src/test/java/com/example/shop/PriceTest.java", 31],
      ["opensCart", "app/src/test/java/com/example/app/CartActivityTest.kt", 12],
    ]);
  });

  it("skips Node's own frames (internal/, node_modules) and takes the test file's", () => {
    const xml = `<testsuites><testsuite name="api"><testcase classname="api" name="rejects"><failure message="boom">Error: boom
    at processTicksAndRejections (internal/process/task_queues.js:97:5)
    at Object.fetchJson (/home/runner/work/shop/shop/node_modules/undici/lib/fetch.js:11:3)
    at Object.&lt;anonymous&gt; (/home/runner/work/shop/shop/src/api.test.ts:42:7)</failure></testcase></testsuite></testsuites>`;
    expect(parseJUnit(xml, at(["src/api.test.ts"]))[0]).toMatchObject({ file: "src/api.test.ts", line: 42 });
  });

  it("finds a bare Java file name in a module of a Maven reactor, decodes character references, and counts disabled tests as skipped", () => {
    const results = parseJUnit(fixture("maven-reactor.xml"), at(["billing/src/test/java/com/example/billing/InvoiceTest.java", "pom.xml"]));
    expect(totals(results)).toEqual({ total: 3, passed: 1, failed: 1, skipped: 1, flaky: 0 });
    expect(results[0]).toMatchObject({ file: "billing/src/test/java/com/example/billing/InvoiceTest.java", line: 18, message: "expected: <100> but was: <90>" });
    expect(results[0]!.details).toContain("\n\tat com.example.billing.InvoiceTest.sumsLines(InvoiceTest.java:18)");
  });

  it("makes a Windows path relative to the workspace, or finds its tail in this checkout", () => {
    const xml = `<testsuite name="php"><testcase name="wins" classname="WinTest"><failure message="x">C:\\repo\\src\\Win.php:12</failure></testcase></testsuite>`;
    expect(parseJUnit(xml, at(["src/Win.php"], "C:\\repo"))[0]).toMatchObject({ file: "src/Win.php", line: 12 });
    expect(parseJUnit(xml, at(["src/Win.php"], "/home/runner/work/repo"))[0]).toMatchObject({ file: "src/Win.php", line: 12 });
  });

  it("reads file and line from <failure> itself, and keeps every message of several failures", () => {
    const xml = `<testsuite name="s"><testcase name="soft" classname="c"><failure file="tests/test_soft.py" line="7" message="first: 1 != 2">a</failure><failure message="second: 3 != 4">b</failure></testcase></testsuite>`;
    expect(parseJUnit(xml, at(["tests/test_soft.py"]))[0]).toMatchObject({ file: "tests/test_soft.py", line: 7, message: "first: 1 != 2\nsecond: 3 != 4" });
  });

  it("counts a test that failed and then passed on rerun as one passed test, marked flaky (Surefire, pytest-rerunfailures)", () => {
    const surefire = parseJUnit(fixture("surefire-flaky.xml"), at([]));
    expect(totals(surefire)).toEqual({ total: 2, passed: 2, failed: 0, skipped: 0, flaky: 1 });
    const pytest = parseJUnit(fixture("pytest-rerun.xml"), at(["tests/test_api.py"]));
    expect(totals(pytest)).toEqual({ total: 2, passed: 2, failed: 0, skipped: 0, flaky: 1 });
    expect(pytest.find((r) => r.flaky)).toMatchObject({ name: "test_timeout", message: "requests.exceptions.ReadTimeout: read timed out\n(after 0.5s)" });
  });

  it("refuses a report that is not XML, with the parser's words and the line", () => {
    expect(() => parseJUnit(`<testsuite name="s">\n<testcase name="a">\n</testsuite>`, at([]))).toThrow(/^line 3, column \d+: Expected closing tag 'testcase'/);
  });
});
