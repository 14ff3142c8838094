import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { RunningApp } from "../emulator/app-process.js";
import type { Emulator } from "../emulator/index.js";
import { expectContractKept, startLoop } from "../helpers/loop.js";

const REPO = "acme/svc";
const CONFIG = [
  "stages:",
  "  - environment: staging",
  "    auto: true",
  "    checks: none",
  "  - environment: production",
  "    auto: true",
  "    production: true",
  "    checks: [ci/test]",
  "    auto_rollback: true",
  "",
].join("\n");

describe("the delivery loop: promotion through Shipline's gate, a failed deploy, the automatic rollback", () => {
  let emulator: Emulator;
  let app: RunningApp;
  /** Which SHAs the deploy workflow fails, per environment. */
  const failing = new Set<string>();
  /** SHAs whose deploy workflow has a job named "Shipline" too (its check run is GitHub Actions'). */
  const namesakes = new Set<string>();

  beforeAll(async () => {
    ({ emulator, app } = await startLoop({ webhookSecret: "loop-secret", appId: 4545 }));
    emulator.onWorkflowEvent("deployment", async (payload) => {
      const { id, sha, environment } = payload.deployment;
      const state = failing.has(`${environment}:${sha}`) ? "failure" : "success";
      if (namesakes.has(sha)) {
        // The job runs once the app has put its own check run on the commit (the app answers
        // deliveries before doing the work, so the job could otherwise start first).
        const own = () => [...emulator.scenario.repo(payload.repository.full_name).checkRuns.values()].some((r) => r.head_sha === sha && r.app.login === "shipline[bot]");
        for (let i = 0; i < 400 && !own(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
        const response = await fetch(`${emulator.apiUrl}/repos/${payload.repository.full_name}/check-runs`, {
          method: "POST",
          headers: { authorization: `token ${emulator.workflowToken()}`, "content-type": "application/json" },
          body: JSON.stringify({ name: "Shipline", head_sha: sha, status: "completed", conclusion: "neutral", output: { title: "a job of the same name", summary: "not Shipline's" } }),
        });
        expect(response.status).toBe(201);
      }
      for (const s of ["in_progress", state]) {
        await emulator.reportDeploymentStatus(payload.repository.full_name, id, { state: s, log_url: `https://ci.example/${id}` });
      }
    });
    // Shipline's protection rule needs a plan that offers it: Enterprise, for a private repository.
    emulator.scenario.createRepo(REPO, { files: { ".github/shipline.yml": CONFIG }, plan: "enterprise" });
    emulator.scenario.protectEnvironment(REPO, "production");
  }, 45_000);

  afterAll(async () => {
    expectContractKept(emulator);
    await app?.stop();
    await emulator?.close();
  });

  const deployments = () => [...emulator.scenario.repo(REPO).deployments.values()];
  const states = (id: number) => [...emulator.scenario.repo(REPO).deployments.get(id)!.statuses].reverse().map((s) => s.state);
  const run = (sha: string) => [...emulator.scenario.repo(REPO).workflowRuns.values()].filter((r) => r.head_sha === sha);

  const pulls = new Map<string, number>();
  const release = async (title: string) => {
    const pr = emulator.scenario.openPullRequest(REPO, { branch: title.replace(/\W+/g, "-"), title, author: "alice" });
    const merge = emulator.scenario.mergePullRequest(REPO, pr.number, { by: "bob" });
    pulls.set(merge.sha, pr.number);
    await emulator.settled();
    return merge.sha;
  };
  /** Shipline's one comment on the pull request that shipped `sha`. */
  const commentOf = (sha: string) => {
    const mine = [...emulator.scenario.repo(REPO).comments.values()].filter((c) => c.issue_number === pulls.get(sha) && c.user.login.endsWith("[bot]"));
    expect(mine).toHaveLength(1);
    return mine[0]!.body;
  };
  const checkRunOf = (sha: string) => [...emulator.scenario.repo(REPO).checkRuns.values()].filter((r) => r.head_sha === sha && r.name === "Shipline").at(-1)!;

  let first = "";
  it("promotes a merged commit from staging to production, where Shipline's gate waits for CI, then approves", async () => {
    first = await release("First release");
    const staging = deployments().find((d) => d.sha === first && d.environment === "staging")!;
    expect(states(staging.id)).toEqual(["in_progress", "success"]);
    // ci/test has not reported on this SHA yet: the app holds the promotion itself (the same gates
    // on every plan), so nothing is created and no job waits; the check run says why.
    expect(deployments().filter((d) => d.sha === first && d.environment === "production")).toEqual([]);
    expect(run(first)).toEqual([]);
    expect(checkRunOf(first).output.summary).toContain("Promotion to production is held by the checks gate (`gate_checks`)");

    emulator.scenario.check(REPO, first, "ci/test", "success");
    await emulator.settled();
    const production = deployments().find((d) => d.sha === first && d.environment === "production")!;
    expect(production.payload).toMatchObject({ shipline: { trigger: "promotion", source: `status:${staging.id}` } });
    // Where the plan offers it, Shipline's protection rule answers the job with the same engine.
    expect(run(first)[0]!.reviews.at(-1)).toMatchObject({ state: "approved", comment: expect.stringContaining("every gate passed") });
    expect(states(production.id)).toEqual(["in_progress", "success"]);
    // Each final status was reported where people look: the PR comment and the commit's check run.
    expect(commentOf(first)).toMatch(new RegExp(`✅ \\*\\*\`${first.slice(0, 7)}\` is live on production\\*\\* \\(deployment ${production.id}, \\d+(ms|s)\\) \\[log\\]\\(https://ci.example/${production.id}\\)\\. This was the last stage\\.`));
    expect(commentOf(first)).toContain(`| staging | \`${first.slice(0, 7)}\` | ✅ success`);
    expect(checkRunOf(first)).toMatchObject({ conclusion: "success", output: { title: `${first.slice(0, 7)} is live on production` } });
  });

  it("rolls production back automatically when the next release fails there, through the same gate", async () => {
    const second = await release("Second release");
    failing.add(`production:${second}`);
    emulator.scenario.check(REPO, second, "ci/test", "success");
    await emulator.settled();
    const failed = deployments().find((d) => d.sha === second && d.environment === "production")!;
    expect(states(failed.id)).toEqual(["in_progress", "failure"]);
    const rollback = deployments().find((d) => d.task === "deploy:rollback")!;
    expect(rollback).toMatchObject({ sha: first, environment: "production", payload: { shipline: { trigger: "auto_rollback", replaces: second, replaces_deployment: failed.id } } });
    expect(states(rollback.id)).toEqual(["in_progress", "success"]);
    // Exactly one rollback: its success promotes nothing, and nothing rolls it back.
    expect(deployments().filter((d) => d.task === "deploy:rollback")).toHaveLength(1);
    // The second PR's comment tells the whole story: its failure, the rollback, what is marked.
    const body = commentOf(second);
    expect(body).toContain(`↩️ **production rolled back to \`${first.slice(0, 7)}\`** (deployment ${rollback.id}`);
    expect(body).toContain(`\`${second.slice(0, 7)}\` is marked rolled back and is no longer offered as the last good version.`);
    expect(body).toContain(`| production | \`${second.slice(0, 7)}\` | ❌ failure · ↩️ rolled back |`);
    expect(body).toContain(`| production | \`${first.slice(0, 7)}\` | ✅ success (rollback) |`);
    expect(checkRunOf(second)).toMatchObject({ conclusion: "failure", output: { title: `Deployment of ${second.slice(0, 7)} to production failed` } });
    expect(checkRunOf(second).output.summary).toContain(`Rolling back automatically to \`${first.slice(0, 7)}\` (deployment ${rollback.id}).`);
  }, 45_000);

  it("reports on its own check run, not on a newer one of the same name made by a workflow job", async () => {
    const repo = "acme/namesake";
    emulator.scenario.createRepo(repo, { files: { ".github/shipline.yml": "stages:\n  - environment: staging\n    auto: true\n    checks: none\n" } });
    const pr = emulator.scenario.openPullRequest(repo, { branch: "namesake", title: "fix: a job named Shipline", author: "alice" });
    namesakes.add(emulator.scenario.mergePullRequest(repo, pr.number, { by: "bob", method: "squash" }).sha);
    await emulator.settled();
    const sha = [...namesakes].at(-1)!;
    const runs = [...emulator.scenario.repo(repo).checkRuns.values()].filter((r) => r.head_sha === sha && r.name === "Shipline");
    expect(runs.map((r) => [r.app.login, r.conclusion])).toEqual([
      ["shipline[bot]", "success"],
      ["github-actions[bot]", "neutral"],
    ]);
    expect(runs[1]!.output.summary).toBe("not Shipline's");
  }, 30_000);

  it("holds a promotion while the previous stage soaks, and lets it through when the soak ends, with no event to say so", async () => {
    const repo = "acme/soaking";
    emulator.scenario.createRepo(repo, { files: { ".github/shipline.yml": "stages:\n  - environment: staging\n    auto: true\n    checks: none\n    soak: 12s\n  - environment: production\n    auto: true\n    checks: none\n" }, plan: "enterprise" });
    emulator.scenario.protectEnvironment(repo, "production");
    const pr = emulator.scenario.openPullRequest(repo, { branch: "soak", title: "feat: slow and steady", author: "alice" });
    const sha = emulator.scenario.mergePullRequest(repo, pr.number, { by: "bob" }).sha;
    await emulator.settled();
    // The app holds the promotion while staging soaks: nothing is created, no job waits.
    const production = () => [...emulator.scenario.repo(repo).deployments.values()].find((d) => d.sha === sha && d.environment === "production");
    expect(production()).toBeUndefined();
    expect([...emulator.scenario.repo(repo).workflowRuns.values()].filter((r) => r.head_sha === sha)).toEqual([]);
    // Nothing happens on GitHub meanwhile: the app decides again when the soak ends, and the
    // protection rule, asked for the deployment it then creates, approves it at once.
    await vi.waitFor(() => expect([...emulator.scenario.repo(repo).workflowRuns.values()].find((r) => r.head_sha === sha)?.reviews.at(-1)).toMatchObject({ state: "approved" }), { timeout: 25_000, interval: 250 });
    const held = [...emulator.scenario.repo(repo).workflowRuns.values()].find((r) => r.head_sha === sha)!;
    await emulator.settled();
    // Approved once the soak was over, never before, however loaded the machine: at least 12s.
    const soaked = /✅ soak: Soaked (\d+)s in staging \(at least 12s\)\./.exec(held.reviews.at(-1)!.comment)?.[1];
    expect(Number(soaked)).toBeGreaterThanOrEqual(12);
    expect([...production()!.statuses].reverse().map((s) => s.state)).toEqual(["in_progress", "success"]);
  }, 45_000);
});
