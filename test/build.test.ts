import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;

// Committed outputs (action bundles used by `uses:`, the editor schema) must be what
// `npm run build` makes from the sources at this commit; a stale one fails CI.
describe("committed build outputs are fresh", () => {
  const out = mkdtempSync(join(tmpdir(), "shipline-build-"));
  execFileSync(process.execPath, [join(root, "scripts/build.mjs"), out], { stdio: "pipe" });

  it("schema/shipline.schema.json matches the zod schema (run `npm run build` and commit)", () => {
    expect(readFileSync(join(out, "schema/shipline.schema.json"), "utf8")).toBe(
      readFileSync(join(root, "schema/shipline.schema.json"), "utf8"),
    );
  });

  const actions = readdirSync(join(root, "actions")).filter((name) => existsSync(join(root, "actions", name, "index.ts")));
  for (const name of actions) {
    it(`actions/${name}/dist/index.js matches its sources`, () => {
      expect(readFileSync(join(out, "actions", name, "dist/index.js"), "utf8")).toBe(
      readFileSync(join(root, "actions", name, "dist/index.js"), "utf8"),
      );
    });
  }

  it("ships the real undici, loaded only behind a proxy, as a valid module", async () => {
    const { createRequire } = await import("node:module");
    const undici = createRequire(import.meta.url)(join(root, "actions/lib/undici.cjs"));
    expect(typeof undici.fetch).toBe("function");
    expect(typeof undici.ProxyAgent).toBe("function");
    expect(readFileSync(join(out, "actions/lib/undici.cjs"), "utf8")).toBe(readFileSync(join(root, "actions/lib/undici.cjs"), "utf8"));
  });

  it("action.yml at the root matches the routed actions' own action.yml files", () => {
    expect(readFileSync(join(out, "action.yml"), "utf8")).toBe(readFileSync(join(root, "action.yml"), "utf8"));
  });

  it("builds the app bundle that `npm start` runs", () => {
    expect(readFileSync(join(out, "dist/app.js"), "utf8")).toContain("Shipline cannot start");
  });
});
