import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "./emulator/root.js";
import { execForm, readDockerfile } from "./helpers/dockerfile.js";

// No Docker engine runs on our machines: the Dockerfile is checked by what can be checked
// without one. The health check itself runs against the app in start.test.ts.
const root = projectRoot();
const { instructions, stages } = readDockerfile();

describe("the Dockerfile", () => {
  it("copies only sources that exist in the repository", () => {
    const copies = instructions.filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from"));
    expect(copies.length).toBeGreaterThan(0);
    const missing = copies.flatMap((i) => i.args.split(/\s+/).slice(0, -1)).filter((source) => !existsSync(join(root, source)));
    expect(missing).toEqual([]);
  });

  it("builds on node 24-slim and runs as a non-root user with HOST=0.0.0.0", () => {
    expect(instructions.filter((i) => i.keyword === "FROM").map((i) => i.args.split(" ")[0])).toEqual(["node:24-slim", "node:24-slim"]);
    const run = stages.at(-1)!;
    expect(run).toMatch(/^USER node$/m);
    expect(run).toMatch(/HOST=0\.0\.0\.0/);
    expect(run).toContain("npm ci --omit=dev");
  });

  it("starts the app the way README's hosting section documents, and checks health on /ping", () => {
    const cmd = execForm(instructions.findLast((i) => i.keyword === "CMD")!.args);
    expect(cmd).toEqual(["node", "dist/app.js"]);
    const readme = readFileSync(join(root, "README.md"), "utf8");
    expect(readme).toContain(`NODE_ENV=production ${cmd.join(" ")}`);
    expect(instructions.find((i) => i.keyword === "HEALTHCHECK")!.args).toContain("/ping");
  });

  it("builds dist/app.js with the build stage's own command", () => {
    const build = instructions.find((i) => i.keyword === "RUN" && i.args.includes("scripts/build.mjs"))!.args;
    expect(build).toBe("SHIPLINE_BUILD=app node scripts/build.mjs");
    const out = mkdtempSync(join(tmpdir(), "shipline-docker-"));
    execFileSync(process.execPath, [join(root, "scripts/build.mjs"), out], { env: { ...process.env, SHIPLINE_BUILD: "app" } });
    expect(readFileSync(join(out, "dist/app.js"), "utf8")).toContain("Shipline cannot start");
    // The run stage copies these two from the build stage.
    const fromBuild = instructions.find((i) => i.keyword === "COPY" && i.args.startsWith("--from=build"))!.args.split(/\s+/).slice(1, -1);
    expect(fromBuild.map((p) => existsSync(join(out, p.replace(/^\/app\//, ""))))).toEqual([true, true]);
  });
});

