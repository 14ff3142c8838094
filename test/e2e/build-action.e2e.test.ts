import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDefaults, buildInputs } from "../../actions/build/inputs.js";
import { buildVersion } from "../../shared/packaging/build-package.js";
import { startEmulator, type Emulator } from "../emulator/index.js";
import { runActionBundle } from "../helpers/action-runner.js";
import { expectManifestMatchesSchema } from "../helpers/action-manifest.js";

const REPO = "acme/pkg";

describe("buildVersion", () => {
  it.each([
    ["2.1.0", "refs/heads/main", "2.1.0"],
    [undefined, "refs/tags/v1.4.0", "v1.4.0"],
    [undefined, "refs/heads/main", "0.0.0-abcdef1"],
    [undefined, "refs/pull/7/merge", "0.0.0-abcdef1"],
  ])("input %s, ref %s -> %s", (input, ref, version) => expect(buildVersion(input, ref, "abcdef1234567890")).toBe(version));
});

describe("actions/build and the digest that deploy checks", () => {
  let emulator: Emulator;
  let token = "";
  let workspace = "";
  const sha = "abcdef1234567890abcdef1234567890abcdef12";

  beforeAll(async () => {
    emulator = await startEmulator({ webhookSecret: "s", appId: 1 });
    emulator.scenario.createRepo(REPO);
    token = emulator.workflowToken();
    workspace = mkdtempSync(join(tmpdir(), "shipline-build-"));
  });
  afterAll(() => emulator.close());

  const build = (inputs: Record<string, string>, env: Record<string, string> = {}) =>
    runActionBundle({ emulator, entry: "actions/build/dist/index.js", repository: REPO, token, inputs, eventName: "push", env: { GITHUB_SHA: sha, GITHUB_REF: "refs/heads/main", GITHUB_WORKSPACE: workspace, ...env }, cwd: workspace });

  it("declares in action.yml exactly the inputs and defaults its schema reads", () => {
    expectManifestMatchesSchema("build", buildInputs, buildDefaults);
  });

  let first: Awaited<ReturnType<typeof build>>;
  it("builds, packages once per version, and writes a manifest with the archive's SHA-256", async () => {
    first = await build({ command: "mkdir -p out && echo 'console.log(1)' > out/app.js && echo v > out/VERSION", path: "out" });
    expect(first.code).toBe(0);
    expect(first.outputs.version).toBe("0.0.0-abcdef1");
    expect(first.outputs.artifact).toBe(join(workspace, ".shipline/packages/pkg-0.0.0-abcdef1.tar.gz"));
    const digest = `sha256:${createHash("sha256").update(readFileSync(first.outputs.artifact!)).digest("hex")}`;
    expect(first.outputs.digest).toBe(digest);
    expect(JSON.parse(readFileSync(first.outputs.manifest!, "utf8"))).toMatchObject({ name: "pkg", version: "0.0.0-abcdef1", sha, ref: "refs/heads/main", archive: "pkg-0.0.0-abcdef1.tar.gz", digest });
    expect(first.summary).toContain("skipped: this runner offers no artifact service");
  });

  it("reuses the package of a version already built, and packages reproducibly elsewhere", async () => {
    const again = await build({ path: "out" });
    expect(again.outputs.digest).toBe(first.outputs.digest);
    expect(again.summary).toContain("already, for this version (reused)");
    const elsewhere = await build({ path: "out", "out-dir": "other" });
    expect(elsewhere.outputs.artifact).toBe(join(workspace, "other/pkg-0.0.0-abcdef1.tar.gz"));
    expect(elsewhere.outputs.digest).toBe(first.outputs.digest);
  });

  it("names the artifact after the repository when routed by the umbrella action (run: build)", async () => {
    const routed = await runActionBundle({ emulator, entry: "actions/umbrella/dist/index.js", repository: REPO, token, inputs: { run: "build", path: "out", "out-dir": "routed" }, eventName: "push", env: { GITHUB_SHA: sha, GITHUB_REF: "refs/heads/main", GITHUB_WORKSPACE: workspace }, cwd: workspace });
    expect(routed.code).toBe(0);
    expect(routed.outputs.artifact).toBe(join(workspace, "routed/pkg-0.0.0-abcdef1.tar.gz"));
    expect(routed.outputs.digest).toBe(first.outputs.digest);
  });

  it("takes the tag as the version", async () => {
    const tagged = await build({ path: "out" }, { GITHUB_REF: "refs/tags/v1.4.0" });
    expect(tagged.outputs.version).toBe("v1.4.0");
  });

  it("fails clearly when the build fails or its output is missing", async () => {
    const failed = await build({ command: "exit 4", path: "out" });
    expect([failed.code, failed.stdout.includes("The build command exited with 4; nothing was packaged.")]).toEqual([1, true]);
    const missing = await build({ path: "nothing-here" });
    expect(missing.stdout).toContain("Input `path`: `nothing-here` does not exist after the build.");
  });

  it("deploys the artifact whose digest matches, and refuses one that does not without running anything", async () => {
    const commit = emulator.scenario.push(REPO, { message: "release", author: "alice" });
    const deployment = (digest: string) => emulator.scenario.createDeployment(REPO, { sha: commit.sha, environment: "staging", payload: { shipline: { digest } } });
    const marker = join(workspace, "deployed.txt");
    const deploy = (d: ReturnType<typeof deployment>) =>
      runActionBundle({ emulator, entry: "actions/deploy/dist/index.js", repository: REPO, token, event: { deployment: d }, inputs: { command: `echo "$SHIPLINE_ARTIFACT" > ${marker}`, artifact: first.outputs.artifact!, timeout: "2s" } });

    const good = await deploy(deployment(first.outputs.digest!));
    expect(good.code).toBe(0);
    expect(readFileSync(marker, "utf8").trim()).toBe(first.outputs.artifact);

    writeFileSync(marker, "untouched");
    const bad = await deploy(deployment(`sha256:${"0".repeat(64)}`));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`the artifact's digest is ${first.outputs.digest}, not the sha256:${"0".repeat(64)} that was built and tested`);
    expect(readFileSync(marker, "utf8")).toBe("untouched");
    expect(existsSync(first.outputs.artifact!)).toBe(true);
  });
});
