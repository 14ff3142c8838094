import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { projectRoot } from "./emulator/root.js";

interface Manifest {
  description: string;
  inputs: Record<string, { required?: boolean; default?: string }>;
}
const root = projectRoot();
const read = (path: string) => parse(readFileSync(join(root, path), "utf8")) as Manifest;
const umbrella = read("action.yml");
const routed = readdirSync(join(root, "actions"))
  .filter((name) => existsSync(join(root, "actions", name, "action.yml")))
  .map((name) => ({ name, manifest: read(`actions/${name}/action.yml`) }));

describe("the root action.yml, as the Marketplace and the runner read it", () => {
  it("has a description under the Marketplace's 125 characters", () => {
    expect(umbrella.description.length).toBeLessThan(125);
  });

  it("requires only `run`: no sub-action's required input is required for the others", () => {
    expect(Object.entries(umbrella.inputs).filter(([, spec]) => spec.required).map(([name]) => name)).toEqual(["run"]);
    // Each sub-action's own required inputs are still there, optional here.
    for (const { manifest } of routed) for (const name of Object.keys(manifest.inputs)) expect(umbrella.inputs[name]).toBeDefined();
  });

  it("gives an input a default only when every action that reads it has that default", () => {
    const wrong: string[] = [];
    for (const [name, spec] of Object.entries(umbrella.inputs)) {
      if (name === "run" || spec.default === undefined) continue;
      for (const { name: action, manifest } of routed) {
        const own = manifest.inputs[name];
        if (own && own.default !== spec.default) wrong.push(`${name}: root ${JSON.stringify(spec.default)}, ${action} ${JSON.stringify(own.default)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
