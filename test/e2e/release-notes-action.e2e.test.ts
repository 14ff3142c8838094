import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { releaseNotesDefaults, releaseNotesInputs } from "../../actions/release-notes/inputs.js";
import { startEmulator, type Emulator } from "../emulator/index.js";
import { runActionBundle } from "../helpers/action-runner.js";
import { expectContractKept } from "../helpers/loop.js";
import { expectManifestMatchesSchema } from "../helpers/action-manifest.js";

const REPO = "acme/notes";

describe("actions/release-notes, run from its bundle as a runner runs it", () => {
  let emulator: Emulator;
  let token = "";
  let workspace = "";
  let base = "";
  let head = "";
  let deployment = { id: 0, sha: "", ref: "", environment: "production" };

  beforeAll(async () => {
    emulator = await startEmulator({ webhookSecret: "s", appId: 1 });
    token = emulator.workflowToken();
    const { scenario } = emulator;
    scenario.createRepo(REPO);
    const merge = (title: string, author = "alice", labels: string[] = []) => {
      const pr = scenario.openPullRequest(REPO, { branch: title.replace(/\W+/g, "-").toLowerCase(), title, author, labels });
      return scenario.mergePullRequest(REPO, pr.number, { by: "bob", method: "squash" }).sha;
    };
    base = merge("feat: the shop");
    emulator.state.repo("acme", "notes")!.refs.set("refs/tags/v0.4.1", base);
    const earlier = scenario.createDeployment(REPO, { sha: base, environment: "production" });
    expect(await emulator.reportDeploymentStatus(REPO, earlier.id, { state: "success" })).toBe(201);
    merge("feat(cart): vouchers", "newton");
    merge("fix: rounding of totals <b>@everyone</b>");
    merge("chore: internal cleanup", "alice", ["internal"]);
    scenario.push(REPO, { message: "docs: hotfix the README", author: "carol" });
    head = scenario.head(REPO);
    deployment = scenario.createDeployment(REPO, { sha: head, environment: "production" });
    workspace = mkdtempSync(join(tmpdir(), "shipline-notes-"));
    mkdirSync(join(workspace, ".github"));
    writeFileSync(join(workspace, ".github/shipline.yml"), "release_notes:\n  exclude_labels: [internal]\n");
  });
  afterAll(async () => {
    expectContractKept(emulator);
    await emulator.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  const runNotes = (inputs: Record<string, string>, entry = "actions/release-notes/dist/index.js") =>
    runActionBundle({ emulator, entry, repository: REPO, token, inputs: { publish: "release", ...inputs }, event: { deployment, repository: { full_name: REPO } }, env: { GITHUB_WORKSPACE: workspace } });
  const releases = () => [...emulator.state.repo("acme", "notes")!.releases.values()];

  it("declares in action.yml exactly the inputs and defaults its schema reads", () => {
    expectManifestMatchesSchema("release-notes", releaseNotesInputs, releaseNotesDefaults);
  });

  it("dry-run prints what it would write and writes nothing", async () => {
    const run = await runNotes({ "dry-run": "true" });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Dry run: would create or update the release v0.5.0 at ${head.slice(0, 7)} with:`);
    expect(releases()).toEqual([]);
  });

  it("writes the notes of what the deployment shipped, as outputs, a job summary and one release", async () => {
    const run = await runNotes({});
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ version: "v0.5.0", commits: "4", "release-url": expect.stringMatching(/\/releases\/tag\/v0\.5\.0$/) });
    const notes = run.outputs.notes!;
    expect(notes).toContain(`Since \`${base.slice(0, 7)}\`, the last successful deployment of production`);
    expect(notes).toContain("### 🚀 Features\n\n- **cart:** vouchers (#");
    expect(notes).toContain("### 🐛 Fixes\n\n- rounding of totals \\<b\\>@\u200beveryone\\</b\\> (#");
    expect(notes).toContain("### 📝 Documentation\n\n- hotfix the README (`");
    expect(notes).not.toContain("internal cleanup");
    expect(notes).toContain("### New contributors\n\n- @newton made their first contribution in #");
    expect(run.summary).toContain("Release v0.5.0: created");
    expect(releases()).toMatchObject([{ tag_name: "v0.5.0", target_commitish: head, draft: false, body: `${notes}\n\n<!-- shipline:release v0.5.0 -->` }]);
  });

  it("updates the same release when run again, and is routed by the umbrella action", async () => {
    const again = await runNotes({ run: "release-notes" }, "actions/umbrella/dist/index.js");
    expect(again.code).toBe(0);
    expect(again.summary).toContain("Release v0.5.0: updated");
    expect(releases()).toHaveLength(1);
  });

  it("fails the step with the input's name and the fix for bad input", async () => {
    const bad = await runNotes({ publish: "tweet", from: "$(curl evil)" });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("Input `publish`: expected `release`, `draft` or `none`; got \"tweet\".");
    expect(bad.stdout).toContain("Input `from`: expected a tag, branch or SHA such as `v1.2.0`; got \"$(curl evil)\".");
  });
});
