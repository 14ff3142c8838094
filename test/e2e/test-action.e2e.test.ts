import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDefaults, testInputs } from "../../actions/test/inputs.js";
import { startEmulator, type Emulator } from "../emulator/index.js";
import { runActionBundle } from "../helpers/action-runner.js";
import { expectContractKept } from "../helpers/loop.js";
import { expectManifestMatchesSchema } from "../helpers/action-manifest.js";

const root = new URL("../../", import.meta.url).pathname;
const REPO = "acme/tests";
const ENTRY = "actions/test/dist/index.js";

describe("actions/test, run from its bundle as a runner runs it", () => {
  let emulator: Emulator;
  let token = "";
  let sha = "";
  let workspace = "";

  beforeAll(async () => {
    emulator = await startEmulator({ webhookSecret: "s", appId: 1 });
    emulator.scenario.createRepo(REPO);
    sha = emulator.scenario.head(REPO);
    token = emulator.workflowToken();
    // A checkout with the sources the reports point at, and the reports themselves.
    workspace = mkdtempSync(join(tmpdir(), "shipline-ws-"));
    cpSync(join(root, "test/fixtures/junit"), join(workspace, "reports"), { recursive: true });
    for (const file of ["src/test/java/com/example/shop/CartTest.java", "shop/cart/cart_test.go", "tests/test_prices.py", "tests/test_db.py", "test/cart.test.ts", "src/checkout.test.js"]) {
      mkdirSync(join(workspace, file, ".."), { recursive: true });
      writeFileSync(join(workspace, file), "// source\n");
    }
  });
  afterAll(async () => {
    expectContractKept(emulator);
    await emulator.close();
  });

  const run = (inputs: Record<string, string>) =>
    runActionBundle({ emulator, entry: ENTRY, repository: REPO, token, inputs, eventName: "push", env: { GITHUB_SHA: sha, GITHUB_WORKSPACE: workspace }, cwd: workspace });
  const checkRun = (id: string) => emulator.state.repo("acme", "tests")!.checkRuns.get(Number(id))!;

  it("declares in action.yml exactly the inputs and defaults its schema reads", () => {
    expectManifestMatchesSchema("test", testInputs, testDefaults);
  });

  it("reads the reports of all five tools into one failing check run, each failure annotated on its file and line", async () => {
    const five = ["vitest.xml", "jest.xml", "pytest.xml", "go-junit-report.xml", "TEST-com.example.shop.CartTest.xml"];
    const result = await run({ command: "echo running tests", reports: five.map((f) => `reports/${f}`).join("\n") });
    expect(result.code).toBe(1);
    expect(result.outputs).toMatchObject({ total: "15", passed: "7", failed: "6", skipped: "2" });
    expect(result.stdout).toContain("::error::6 tests failed (7 passed, 6 failed, 2 skipped).");
    const run_ = checkRun(result.outputs["check-run-id"]!);
    expect(run_).toMatchObject({ name: "Tests", head_sha: sha, conclusion: "failure", output: { title: "7 passed, 6 failed, 2 skipped" } });
    expect(run_.annotations.map((a) => `${a.path}:${a.start_line}`).sort()).toEqual([
      "shop/cart/cart_test.go:21",
      "src/checkout.test.js:27",
      "src/test/java/com/example/shop/CartTest.java:23",
      "test/cart.test.ts:18",
      "tests/test_db.py:6",
      "tests/test_prices.py:11",
    ]);
    expect(result.summary).toContain("| 15 | 7 | 6 | 2 | 0 | 5 |");
    expect(result.summary).toContain("`tests/test_prices.py:11`");
  });

  it("sends more than 50 annotations in batches of 50", async () => {
    const cases = Array.from({ length: 120 }, (_, i) => `<testcase classname="test/cart.test.ts" name="case ${i}"><failure message="boom ${i}">at test/cart.test.ts:${i + 1}:1</failure></testcase>`).join("");
    writeFileSync(join(workspace, "many.xml"), `<testsuite name="many">${cases}</testsuite>`);
    const before = emulator.requests.length;
    const result = await run({ reports: "many.xml", "fail-on-failure": "FALSE" }) // the case core.getBooleanInput accepts;
    expect(result.code).toBe(0);
    const writes = emulator.requests.slice(before).filter((r) => r.method !== "GET");
    expect(writes.map((r) => `${r.method} ${r.path.replace(/\d+$/, "{id}")} ${(r.body as any).output.annotations.length}`)).toEqual([
      "POST /repos/acme/tests/check-runs 50",
      "PATCH /repos/acme/tests/check-runs/{id} 50",
      "PATCH /repos/acme/tests/check-runs/{id} 20",
    ]);
    expect(checkRun(result.outputs["check-run-id"]!).annotations).toHaveLength(120);
  });

  it("fails when no report matches, saying how to fix it", async () => {
    const result = await run({ reports: "nowhere/*.xml" });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("No JUnit report matched `nowhere/*.xml`. Point `reports` at the XML your test runner writes, or set `fail-on-empty: false`.");
  });

  it("passes with a green report, and fails when the command failed even if the reports look green", async () => {
    writeFileSync(join(workspace, "green.xml"), `<testsuite name="ok"><testcase classname="a" name="works"/></testsuite>`);
    const green = await run({ command: "true", reports: "green.xml" });
    expect([green.code, checkRun(green.outputs["check-run-id"]!).conclusion]).toEqual([0, "success"]);
    const crashed = await run({ command: "exit 2", reports: "green.xml" });
    expect(crashed.code).toBe(1);
    expect(crashed.stdout).toContain("The test command exited with 2.");
  });

  it("fails the step and the check run on a report it cannot read, naming the file and the parser's words", async () => {
    writeFileSync(join(workspace, "truncated.xml"), `<testsuite name="cut">\n<testcase classname="a" name="b">\n`);
    const result = await run({ reports: "truncated.xml\ngreen.xml" });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("::error title=Shipline test%3A unreadable report::Report not readable: truncated.xml: ");
    const run_ = checkRun(result.outputs["check-run-id"]!);
    expect([run_.conclusion, run_.output.title]).toEqual(["failure", "1 report could not be read"]);
    expect(run_.output.summary).toContain("truncated.xml: ");
  });

  it("only warns about an unreadable report with fail-on-parse-error: false, and refuses an XXE report either way", async () => {
    writeFileSync(join(workspace, "broken.xml"), `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><testsuite><testcase name="&e;"/></testsuite>`);
    const result = await run({ reports: "broken.xml\ngreen.xml", "fail-on-parse-error": "false" });
    expect(result.stdout).toContain("::warning title=Shipline test%3A unreadable report::Report not readable: broken.xml: External entities are not supported");
    expect(result.code).toBe(0);
  });

  it("fails with require-tests when the reports hold no test", async () => {
    writeFileSync(join(workspace, "empty.xml"), `<testsuites name="none"></testsuites>`);
    const result = await run({ reports: "empty.xml", "require-tests": "true" });
    expect(result.code).toBe(1);
    expect(checkRun(result.outputs["check-run-id"]!).output.title).toBe("No test found in the reports");
    expect((await run({ reports: "empty.xml" })).code).toBe(0);
  });
});
