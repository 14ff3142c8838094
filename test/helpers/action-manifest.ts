import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { parse as parseYaml } from "yaml";

const root = new URL("../../", import.meta.url).pathname;

/** An action's action.yml declares exactly the inputs its zod schema reads, with the same defaults, run by node24. */
export function expectManifestMatchesSchema(action: string, inputs: { shape: Record<string, unknown> }, defaults: Record<string, string>): void {
  const manifest = parseYaml(readFileSync(join(root, "actions", action, "action.yml"), "utf8")) as { inputs: Record<string, { default?: string }>; runs: unknown };
  expect(Object.keys(manifest.inputs).sort()).toEqual(Object.keys(inputs.shape).sort());
  for (const [name, value] of Object.entries(defaults)) expect(manifest.inputs[name]!.default).toBe(value);
  expect(manifest.runs).toEqual({ using: "node24", main: "dist/index.js" });
}
