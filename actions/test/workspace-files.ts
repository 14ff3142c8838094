import { readdirSync } from "node:fs";
import { join } from "node:path";

/** Folders that hold no source of the tests: dependencies, builds, VCS data. */
const SKIPPED = new Set(["node_modules", ".git", "build", "target", "dist", ".gradle", ".venv", "venv", "__pycache__"]);
/** Enough for a large monorepo; past it, bare file names are looked up only in the usual places. */
const MAX_FILES = 100_000;

/**
 * The workspace's source files, listed once and only when first asked: a bare Java or Kotlin
 * file name in a stack frame is found under any module (`<module>/src/test/java/...`).
 */
export function workspaceFiles(workspace: string): { findByTail: (tail: string) => string | undefined } {
  let files: string[] | undefined;
  const list = (): string[] => {
    if (files) return files;
    files = [];
    const walk = (dir: string, prefix: string) => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        if (files!.length >= MAX_FILES) return;
        if (entry.isDirectory()) {
          if (!SKIPPED.has(entry.name)) walk(join(dir, entry.name), `${prefix}${entry.name}/`);
        } else if (entry.isFile()) files!.push(`${prefix}${entry.name}`);
      }
    };
    walk(workspace, "");
    return files;
  };
  return { findByTail: (tail) => list().find((f) => f === tail || f.endsWith(`/${tail}`)) };
}
