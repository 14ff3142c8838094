import { XMLParser } from "fast-xml-parser";

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
  /** Repository-relative file and line of the failure, when the report lets us find them. */
  file?: string;
  line?: number;
}

// Entities are expanded by the parser's own table only: no DTD, no external entity, no XXE.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  textNodeName: "#text",
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === "testsuite" || name === "testcase",
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
  return value && typeof value === "object" && !Array.isArray(value) ? String((value as Node)[name] ?? "") : "";
}

const SOURCE = /([\w@./\\-]*[\w-]+\.(?:tsx?|mts|cts|jsx?|mjs|cjs|py|go|java|kt|scala|rb|rs|cs|php|swift)):(\d+)/g;

/**
 * Where a failure happened, as a repository-relative path: the report's own `file`/`line`,
 * else the first source location in the message or stack that is not a dependency's,
 * else a path-like classname. `exists` picks among candidates (Java packages, Go modules).
 */
export function locate(testcase: Node, failureText: string, workspace: string, exists: (path: string) => boolean): { file: string; line: number } | undefined {
  const relative = (path: string) => {
    const clean = path.replace(/\\/g, "/").replace(/^file:\/\//, "");
    const root = workspace.replace(/\\/g, "/").replace(/\/?$/, "/");
    if (clean.startsWith(root)) return clean.slice(root.length);
    if (!clean.startsWith("/")) return clean.replace(/^\.\//, "");
    // Written elsewhere (a container, another runner): the longest tail that exists here.
    const parts = clean.split("/").filter(Boolean);
    for (let i = 0; i < parts.length; i++) if (exists(parts.slice(i).join("/"))) return parts.slice(i).join("/");
    return clean;
  };
  const pick = (file: string, classname: string): string => {
    const rel = relative(file);
    if (rel.includes("/") || exists(rel)) return rel;
    // A bare file name: try the package of the classname (Java: com.example.Foo; Go: example.com/x/y).
    const pkg = classname.includes("/") ? classname : classname.split(".").slice(0, -1).join("/");
    const parts = pkg.split("/").filter(Boolean);
    const candidates = [
      ...["src/test/java", "src/test/kotlin", "src/main/java"].map((base) => `${base}/${parts.join("/")}/${rel}`),
      ...parts.map((_, i) => `${parts.slice(i).join("/")}/${rel}`),
    ];
    return candidates.find(exists) ?? rel;
  };
  const classname = attr(testcase, "classname");
  const file = attr(testcase, "file");
  const line = Number(attr(testcase, "line"));
  const fromText = [...failureText.matchAll(SOURCE)].find((m) => !/node_modules|site-packages|\/usr\/lib|jest-circus|AssertionFailureBuilder/.test(m[0]));
  if (file && fromText && relative(fromText[1]!) === relative(file)) return { file: pick(file, classname), line: Number(fromText[2]) };
  if (file) return { file: pick(file, classname), line: Number.isFinite(line) && line > 0 ? line : 1 };
  if (fromText) return { file: pick(fromText[1]!, classname), line: Number(fromText[2]) };
  if (/\.[a-z]{1,5}$/.test(classname) && classname.includes("/")) return { file: relative(classname), line: 1 };
  return undefined;
}

function* testcases(node: Node, suite: string): Generator<[Node, string]> {
  for (const tc of (node.testcase as Node[] | undefined) ?? []) yield [tc, suite];
  for (const child of (node.testsuite as Node[] | undefined) ?? []) yield* testcases(child, attr(child, "name") || suite);
}

/**
 * Reads a JUnit XML report as vitest, jest-junit, pytest, go-junit-report and Maven
 * Surefire write it. Throws with the file's name when the XML cannot be read.
 */
export function parseJUnit(xml: string, options: { workspace: string; exists: (path: string) => boolean }): TestCaseResult[] {
  const doc = parser.parse(xml) as Node;
  const root = (doc.testsuites as Node | undefined) ?? { testsuite: doc.testsuite };
  const results: TestCaseResult[] = [];
  for (const [tc, suite] of testcases(root, attr(root, "name"))) {
    const failure = tc.failure ?? tc.error;
    const status: TestStatus = tc.failure !== undefined ? "failed" : tc.error !== undefined ? "error" : tc.skipped !== undefined ? "skipped" : "passed";
    const details = text(failure ?? tc.skipped).trim();
    const message = attr(failure ?? tc.skipped, "message") || details.split("\n", 1)[0] || "";
    const where = status === "failed" || status === "error" ? locate(tc, `${message}\n${details}`, options.workspace, options.exists) : undefined;
    results.push({
      suite,
      classname: attr(tc, "classname"),
      name: attr(tc, "name"),
      status,
      time: Number(attr(tc, "time")) || 0,
      message,
      details,
      ...(where ?? {}),
    });
  }
  return results;
}

export interface Totals {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
}

export function totals(results: readonly TestCaseResult[]): Totals {
  const count = (s: TestStatus) => results.filter((r) => r.status === s).length;
  return { total: results.length, passed: count("passed"), failed: count("failed") + count("error"), skipped: count("skipped") };
}
