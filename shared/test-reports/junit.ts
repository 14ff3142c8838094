import { XMLParser, XMLValidator } from "fast-xml-parser";

export type TestStatus = "passed" | "failed" | "error" | "skipped";

export interface TestCaseResult {
  suite: string;
  classname: string;
  name: string;
  status: TestStatus;
  /** Seconds. */
  time: number;
  message: string;
  details: string;
  /** Failed, then passed when run again (Surefire's flakyFailure, a rerun plugin, jest retries). */
  flaky?: boolean;
  /** Repository-relative file and line of the failure, when the report lets us find them. */
  file?: string;
  line?: number;
}

/** What `parseJUnit` may ask of the workspace. */
export interface Workspace {
  workspace: string;
  /** Whether a repository-relative path is a file of the checkout. */
  exists: (path: string) => boolean;
  /** A file of the checkout whose path ends with this tail (`com/example/FooTest.java`), for multi-module builds. */
  findByTail?: (tail: string) => string | undefined;
}

// Entities are expanded by the parser's own tables only: no DTD, no external entity, no XXE.
// Character references (`&#10;`) and HTML's named ones are decoded, as every JUnit writer uses them.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  textNodeName: "#text",
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  htmlEntities: true,
  isArray: (name) => ["testsuite", "testcase", "failure", "error", "flakyFailure", "flakyError", "rerunFailure", "rerunError"].includes(name),
});

type Node = Record<string, unknown>;

function text(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(text).join("\n");
  const node = value as Node;
  return typeof node["#text"] === "string" ? node["#text"] : "";
}

function attr(value: unknown, name: string): string {
  if (Array.isArray(value)) return attr(value[0], name);
  return value && typeof value === "object" ? String((value as Node)[name] ?? "") : "";
}

const SOURCE_EXTENSIONS = "tsx?|mts|cts|jsx?|mjs|cjs|py|go|java|kt|kts|scala|rb|rs|cs|fs|php|swift|dart|exs?|c|cc|cpp|cxx|h|hh|hpp|m|mm";
/** `path/file.ts:12`, and .NET's `in path/File.cs:line 27`. */
const SOURCE = new RegExp(`((?:[A-Za-z]:)?[\\w@./\\\\-]*[\\w-]+\\.(?:${SOURCE_EXTENSIONS})):(?:line )?(\\d+)`, "g");
/** A Python traceback's frame: `File "/path/tests/test_x.py", line 16, in test_y`. */
const PYTHON_FRAME = /File "([^"\n]+\.py)", line (\d+)/g;
/** A JVM stack frame: `at com.example.FooTest.totals(FooTest.java:23)`, with a module prefix (`app//`, `java.base/`) and Kotlin's spaced names. */
const JVM_FRAME = /at (?:[\w.$-]+\/\/?)?([\w$.]+)\.[^()\n]+\(([\w$-]+\.(?:java|kt|scala|groovy)):(\d+)\)/g;

/** Every `file:line` a failure's text names, in the order written. */
function sourceRefs(text: string): Array<{ file: string; line: number; at: number; raw: string }> {
  return [...text.matchAll(SOURCE), ...text.matchAll(PYTHON_FRAME)].map((m) => ({ file: m[1]!, line: Number(m[2]), at: m.index, raw: m[0] })).sort((a, b) => a.at - b.at);
}

/** Runtimes' and libraries' own frames: never where a test failed. */
const LIBRARY_PATH = /node_modules|site-packages|dist-packages|node:internal|(^|[/\\])internal[/\\]|\/usr\/lib|jest-circus|AssertionFailureBuilder|_pytest[/\\]/;
const LIBRARY_CLASS = /^(java|javax|jdk|sun|com\.sun|kotlin|kotlinx|android|androidx|dalvik|org\.junit|junit|org\.testng|org\.assertj|org\.hamcrest|org\.opentest4j|org\.gradle|org\.apache\.maven|org\.mockito|com\.android|org\.robolectric|scala)\./;

interface Candidate {
  file: string;
  line: number;
  /** The package to look the bare file name up in (`com.example` for a JVM frame). */
  pkg: string;
}

/**
 * Where a failure happened, as a repository-relative path: the report's own `file`/`line`
 * (on the failure, then on the testcase), else the first stack frame whose file is in the
 * workspace, runtimes' and libraries' frames skipped, else a path-like classname.
 */
export function locate(testcase: Node, failure: unknown, failureText: string, ws: Workspace): { file: string; line: number } | undefined {
  const root = ws.workspace.replace(/\\/g, "/").replace(/\/?$/, "/");
  const relative = (path: string) => {
    const clean = path.replace(/\\/g, "/").replace(/^file:\/\//, "");
    // Windows paths compare without regard to case, drive letter included.
    const windows = /^[A-Za-z]:\//.test(clean);
    if (windows ? clean.toLowerCase().startsWith(root.toLowerCase()) : clean.startsWith(root)) return clean.slice(root.length);
    if (!clean.startsWith("/") && !windows) return clean.replace(/^\.\//, "");
    // Written elsewhere (a container, another runner, Windows): the longest tail that exists here.
    const parts = clean.replace(/^[A-Za-z]:/, "").split("/").filter(Boolean);
    for (let i = 0; i < parts.length; i++) if (ws.exists(parts.slice(i).join("/"))) return parts.slice(i).join("/");
    return clean;
  };
  const resolve = (file: string, pkg: string): string | undefined => {
    const rel = relative(file);
    if (ws.exists(rel)) return rel;
    if (rel.includes("/")) return undefined;
    // A bare file name: in the package's folder, under the usual source roots or any module's.
    const dirs = pkg.includes("/") ? pkg : pkg.split(".").join("/");
    const parts = dirs.split("/").filter(Boolean);
    const tail = [...parts, rel].join("/");
    const candidates = [
      ...["src/test/java", "src/test/kotlin", "src/main/java", "src/main/kotlin"].map((base) => `${base}/${tail}`),
      ...parts.map((_, i) => `${parts.slice(i).join("/")}/${rel}`),
    ];
    return candidates.find(ws.exists) ?? (parts.length ? ws.findByTail?.(tail) : undefined);
  };
  const classname = attr(testcase, "classname");
  const testPkg = classname.includes("/") ? classname : classname.split(".").slice(0, -1).join(".");
  for (const where of [failure, testcase]) {
    const file = attr(where, "file");
    if (!file) continue;
    const line = Number(attr(where, "line"));
    const inText = sourceRefs(failureText).find((m) => relative(m.file) === relative(file));
    return { file: resolve(file, testPkg) ?? relative(file), line: inText ? inText.line : Number.isFinite(line) && line > 0 ? line : 1 };
  }
  const frames: Candidate[] = [
    ...[...failureText.matchAll(JVM_FRAME)].filter((m) => !LIBRARY_CLASS.test(m[1]!)).map((m) => ({ file: m[2]!, line: Number(m[3]), pkg: m[1]!.split(".").slice(0, -1).join("."), at: m.index })),
    ...sourceRefs(failureText).filter((m) => !LIBRARY_PATH.test(m.raw) && !/\.(java|kt|scala)$/.test(m.file)).map((m) => ({ file: m.file, line: m.line, pkg: testPkg, at: m.at })),
  ].sort((a, b) => a.at - b.at);
  for (const frame of frames) {
    const file = resolve(frame.file, frame.pkg);
    if (file) return { file, line: frame.line };
  }
  // Nothing found in the checkout: the first frame of the code under test, as written.
  const first = frames[0];
  if (first) return { file: relative(first.file), line: first.line };
  if (/\.[a-z]{1,5}$/.test(classname) && classname.includes("/")) return { file: relative(classname), line: 1 };
  return undefined;
}

function* testcases(node: Node, suite: string): Generator<[Node, string]> {
  for (const tc of (node.testcase as Node[] | undefined) ?? []) yield [tc, suite];
  for (const child of (node.testsuite as Node[] | undefined) ?? []) yield* testcases(child, attr(child, "name") || suite);
}

/** The `status` values that mean "not run" (JUnit 5's and Ant's `disabled`, NUnit-style `ignored`...). */
const NOT_RUN = new Set(["disabled", "skipped", "ignored", "notrun", "not run", "pending"]);

/** The report could not be read: the parser's words, with the line. */
export class UnreadableReport extends Error {}

/**
 * Reads a JUnit XML report as vitest, jest-junit, pytest, go-junit-report, Maven Surefire and
 * Gradle write it. Throws UnreadableReport, with the parser's words and line, when it is not XML.
 */
export function parseJUnit(xml: string, ws: Workspace): TestCaseResult[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new UnreadableReport(`line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  const doc = parser.parse(xml) as Node;
  const root = (doc.testsuites as Node | undefined) ?? { testsuite: doc.testsuite };
  const attempts: TestCaseResult[] = [];
  for (const [tc, suite] of testcases(root, attr(root, "name"))) {
    const failures = (tc.failure as unknown[] | undefined) ?? [];
    const errors = (tc.error as unknown[] | undefined) ?? [];
    const failing = failures.length ? failures : errors;
    const skipped = tc.skipped !== undefined || tc.ignored !== undefined || NOT_RUN.has(attr(tc, "status").toLowerCase());
    const status: TestStatus = failures.length ? "failed" : errors.length ? "error" : skipped ? "skipped" : "passed";
    const details = (failing.length ? failing.map(text) : [text(tc.skipped)]).map((d) => d.trim()).filter(Boolean).join("\n\n");
    // Several failures in one testcase (soft assertions, JUnit 5 multiple failures): every message.
    const messages = failing.map((f) => attr(f, "message") || text(f).trim().split("\n", 1)[0] || "").filter(Boolean);
    const message = messages.join("\n") || attr(tc.skipped, "message") || details.split("\n", 1)[0] || "";
    const where = status === "failed" || status === "error" ? locate(tc, failing[0], `${message}\n${details}`, ws) : undefined;
    // Surefire records the failed attempts of a test that passed on rerun inside the passing testcase.
    const flaky = status === "passed" && ["flakyFailure", "flakyError"].some((k) => tc[k] !== undefined);
    attempts.push({ suite, classname: attr(tc, "classname"), name: attr(tc, "name"), status, time: Number(attr(tc, "time")) || 0, message, details, ...(flaky ? { flaky } : {}), ...(where ?? {}) });
  }
  return mergeReruns(attempts);
}

/**
 * One result per test: rerun plugins (pytest-rerunfailures, jest-junit with retries) write a
 * testcase per attempt. A test that failed and then passed is one passed test, marked flaky.
 */
function mergeReruns(attempts: TestCaseResult[]): TestCaseResult[] {
  const byTest = new Map<string, TestCaseResult[]>();
  for (const a of attempts) {
    const key = `${a.suite}\u0000${a.classname}\u0000${a.name}`;
    byTest.set(key, [...(byTest.get(key) ?? []), a]);
  }
  return [...byTest.values()].map((runs) => {
    if (runs.length === 1) return runs[0]!;
    const passed = runs.find((r) => r.status === "passed");
    const failedFirst = runs.find((r) => r.status === "failed" || r.status === "error");
    if (passed && failedFirst) return { ...passed, flaky: true, message: failedFirst.message, details: failedFirst.details };
    return runs.at(-1)!;
  });
}

export interface Totals {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  /** Passed after failing at first (included in `passed`). */
  flaky: number;
}

export function totals(results: readonly TestCaseResult[]): Totals {
  const count = (s: TestStatus) => results.filter((r) => r.status === s).length;
  return { total: results.length, passed: count("passed"), failed: count("failed") + count("error"), skipped: count("skipped"), flaky: results.filter((r) => r.flaky).length };
}
