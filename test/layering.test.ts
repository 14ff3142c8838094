import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// shared/ is one folder per domain; across folders the imports run one way (README,
// "Development"). Type-only imports count too: a cycle of types is still a cycle of meaning.
const SHARED = resolve(import.meta.dirname, "../shared");

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** Every module specifier a file imports: static, type-only, re-exported or dynamic. */
export function specifiersOf(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm)) found.push(match[1]!);
  return found;
}

/** The folder graph of shared/: folder -> folders it imports from (a file at the root is its own "folder"). */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  const folderOf = (path: string) => relative(SHARED, path).split("/")[0]!;
  for (const file of sourcesUnder(SHARED)) {
    const from = folderOf(file);
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    for (const spec of specifiersOf(readFileSync(file, "utf8"))) {
      if (!spec.startsWith(".")) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(SHARED + "/")) continue;
      const to = folderOf(target);
      if (to !== from && !edges.has(to)) edges.set(to, `${relative(SHARED, file)} -> ${spec}`);
    }
  }
  return graph;
}

/** The cycles of a directed graph, each as the path that closes it (depth-first, one per back edge). */
export function cyclesOf(graph: ReadonlyMap<string, ReadonlyMap<string, string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

describe("shared/ layering", () => {
  it("finds a cycle between folders, and none in a one-way graph (the checker itself)", () => {
    const edge = (...to: string[]) => new Map(to.map((t) => [t, "x"]));
    expect(cyclesOf(new Map([["a", edge("b")], ["b", edge("c")], ["c", edge("a")]]))).toEqual([["a", "b", "c", "a"]]);
    expect(cyclesOf(new Map([["a", edge("b", "c")], ["b", edge("c")], ["c", edge()]]))).toEqual([]);
    expect(specifiersOf(`import type { A } from "../x/a.js";\nimport "./side.js";\nconst m = await import("../y/b.js");\nexport { c } from "./c.js";`)).toEqual(["../x/a.js", "./side.js", "../y/b.js", "./c.js"]);
  });

  it("keeps every file of shared/ in a domain folder", () => {
    const loose = readdirSync(SHARED).filter((name) => !statSync(join(SHARED, name)).isDirectory());
    expect(loose).toEqual([]);
  });

  it("has no import cycle between shared/ folders", () => {
    const graph = folderGraph();
    const cycles = cyclesOf(graph).map((cycle) => cycle.slice(1).map((to, i) => graph.get(cycle[i]!)!.get(to)).join("; "));
    expect(cycles).toEqual([]);
  });

  it("imports neither probot nor @actions/* anywhere in shared/", () => {
    const offending = sourcesUnder(SHARED).flatMap((file) =>
      specifiersOf(readFileSync(file, "utf8"))
        .filter((spec) => spec === "probot" || spec.startsWith("probot/") || spec.startsWith("@actions/") || spec.startsWith("@probot/"))
        .map((spec) => `${relative(SHARED, file)}: ${spec}`),
    );
    expect(offending).toEqual([]);
  });
});
