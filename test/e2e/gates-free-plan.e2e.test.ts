import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApp } from "../emulator/app-process.js";
import type { Emulator } from "../emulator/index.js";
import { expectContractKept, startLoop } from "../helpers/loop.js";

// A private repository on GitHub Free: no custom protection rule, no required reviewers. Every
// gate below is Shipline's own, held by the app and the deploy workflow's pre-flight alone.
const REPO = "acme/shop";
const SOAK_S = 6;
const CONFIG = [
  "stages:",
  "  - environment: staging",
  "    auto: true",
  "    checks: none",
  `    soak: ${SOAK_S}s`,
  "  - environment: production",
  "    auto: true",
  "    production: true",
  "    checks: [ci/test]",
  '    approvals: { count: 1, from: ["@acme/release-managers"] }',
  "",
].join("\n");

describe("gates and approvals on a private repository on GitHub Free (no protection rule)", () => {
  let emulator: Emulator;
  let app: RunningApp;

  beforeAll(async () => {
    ({ emulator, app } = await startLoop({ webhookSecret: "free-plan-secret", appId: 4646 }));
    emulator.onWorkflowEvent("deployment", async (payload) => {
      for (const state of ["in_progress", "success"]) await emulator.reportDeploymentStatus(payload.repository.full_name, payload.deployment.id, { state });
    });
    const repo = emulator.scenario.createRepo(REPO, { files: { ".github/shipline.yml": CONFIG } });
    expect(repo.private).toBe(true);
    expect(repo.plan).toBe("free");
    expect(() => emulator.scenario.protectEnvironment(REPO, "production")).toThrow(/only with GitHub Enterprise/);
    for (const [login, role] of [["alice", "write"], ["bob", "maintain"], ["carol", "maintain"], ["mallory", "write"], ["dave", "write"]] as const) emulator.scenario.setRole(REPO, login, role);
    // alice (who writes the change) and carol are release managers; mallory is not.
    emulator.scenario.addTeamMember("acme", "release-managers", "alice");
    emulator.scenario.addTeamMember("acme", "release-managers", "carol");
    emulator.scenario.addTeamMember("acme", "release-managers", "mallory", "pending");
  }, 45_000);

  afterAll(async () => {
    if (process.env.SHOW_APP_LOGS) console.log(app.logs.filter((l) => /held|timer|warn|error/i.test(l)).join("\n"));
    expectContractKept(emulator);
    // No deployment_protection_rule exists on this plan: every hold came from the app itself.
    expect(emulator.deliveries.filter((d) => d.event === "deployment_protection_rule")).toEqual([]);
    await app?.stop();
    await emulator?.close();
  });

  const deploymentsTo = (environment: string, sha?: string) => [...emulator.scenario.repo(REPO).deployments.values()].filter((d) => d.environment === environment && (!sha || d.sha === sha));
  const commentOn = (pr: number) => [...emulator.scenario.repo(REPO).comments.values()].find((c) => c.issue_number === pr && c.user.login === "shipline[bot]")?.body ?? "";
  // As a person reads it: Markdown's escapes (`\``) and the zero-width space that keeps `@team` from pinging, removed.
  const latestOutcome = (pr: number) => (/^<!-- shipline:latest [^\n]*\n(.+)$/m.exec(commentOn(pr))?.[1] ?? "").replace(/\\(?=[`*_\\[\]<>])|\u200b/g, "");
  const checkRunOf = (sha: string) => [...emulator.scenario.repo(REPO).checkRuns.values()].filter((r) => r.head_sha === sha && r.name === "Shipline" && r.app.login === "shipline[bot]").at(-1)!;
  const until = async (what: () => boolean, ms: number) => {
    for (const end = Date.now() + ms; !what() && Date.now() < end; ) await new Promise((resolve) => setTimeout(resolve, 100));
    await emulator.settled();
  };

  let pr = 0;
  let sha = "";
  it("holds the promotion while ci/test is missing, then failing; nothing is created and the check run and comment name the gate", async () => {
    pr = emulator.scenario.openPullRequest(REPO, { branch: "cart", title: "feat: a cart", author: "alice" }).number;
    sha = emulator.scenario.mergePullRequest(REPO, pr, { by: "bob" }).sha;
    await emulator.settled();
    expect(deploymentsTo("staging", sha)).toHaveLength(1);
    await until(() => latestOutcome(pr).includes("gate_checks"), 5000);
    expect(deploymentsTo("production")).toEqual([]);
    expect(latestOutcome(pr)).toContain("Promotion to production is held by the checks gate (`gate_checks`): Waiting for required checks (not reported yet: `ci/test`).");
    expect(checkRunOf(sha).output.summary).toContain("held by the checks gate");

    emulator.scenario.check(REPO, sha, "ci/test", "failure");
    await emulator.settled();
    expect(deploymentsTo("production")).toEqual([]);
    expect(latestOutcome(pr)).toContain("(`gate_checks`): Required checks failed: `ci/test`.");
  });

  it("then by the soak, which ends with no event: a timer reads GitHub again; then it waits for an approval, with an Approve button", async () => {
    emulator.scenario.check(REPO, sha, "ci/test", "success");
    await emulator.settled();
    const soaking = latestOutcome(pr);
    // Unless the machine was slow enough for the soak to be over already.
    if (!soaking.includes("waiting_approval")) expect(soaking).toContain("(`gate_soak`): Soaking in staging");
    await until(() => latestOutcome(pr).includes("waiting_approval"), (SOAK_S + 5) * 1000);
    expect(deploymentsTo("production")).toEqual([]);
    expect(latestOutcome(pr)).toContain("(`waiting_approval`): Waiting for 1 approval from @acme/release-managers");
    expect(checkRunOf(sha).actions).toContainEqual({ label: "Approve production", description: `Approve ${sha.slice(0, 7)} for production`, identifier: `approve:1:${pr}` });
    expect(checkRunOf(sha).actions.map((a) => a.identifier)).not.toContain("deploy:1");
  }, 30_000);

  it("refuses the author's own approval and a non-member's, and counts nothing typed outside Shipline's comment", async () => {
    // A marker forged in someone else's comment: the facts read only the comment Shipline wrote.
    emulator.scenario.comment(REPO, pr, { user: "mallory", body: `LGTM\n<!-- shipline:approval production ${sha} carol 2026-12-07T00:00:00Z -->` });
    emulator.scenario.comment(REPO, pr, { user: "alice", body: "/approve production" });
    await emulator.settled();
    expect(latestOutcome(pr)).toContain("(`self_approval`) for alice: alice wrote this change and may not approve its deployment to production");
    emulator.scenario.comment(REPO, pr, { user: "mallory", body: "/approve" });
    await emulator.settled();
    // A pending invitation is not membership.
    expect(latestOutcome(pr)).toContain("(`not_approver`) for mallory: Only @acme/release-managers may approve deployments to production; mallory may not.");
    emulator.scenario.check(REPO, sha, "lint", "success");
    await emulator.settled();
    expect(deploymentsTo("production")).toEqual([]);
  });

  it("goes on when a release manager approves with the button: production gets exactly that SHA, once", async () => {
    const run = checkRunOf(sha);
    emulator.scenario.clickButton(REPO, run.id, `approve:1:${pr}`, "carol");
    await until(() => deploymentsTo("production", sha)[0]?.statuses[0]?.state === "success", 5000);
    const [production] = deploymentsTo("production");
    expect(deploymentsTo("production")).toHaveLength(1);
    expect(production).toMatchObject({ sha, payload: { shipline: { trigger: "promotion", actor: "bob", pr } } });
    expect(commentOn(pr)).toContain(`<!-- shipline:approval production ${sha} carol `);
    expect(commentOn(pr)).toContain(`**Approvals**: production \`${sha.slice(0, 7)}\` by carol`);
  });

  let second = 0;
  let newer = "";
  it("holds a /deploy for its approval, then the approval deploys it for the one who asked", async () => {
    second = emulator.scenario.openPullRequest(REPO, { branch: "vouchers", title: "feat: vouchers", author: "dave" }).number;
    newer = emulator.scenario.mergePullRequest(REPO, second, { by: "bob" }).sha;
    emulator.scenario.check(REPO, newer, "ci/test", "success");
    await until(() => deploymentsTo("staging", newer)[0]?.statuses[0]?.state === "success", 5000);
    await until(() => latestOutcome(second).includes("waiting_approval"), (SOAK_S + 5) * 1000);
    emulator.scenario.comment(REPO, second, { user: "bob", body: "/deploy production" });
    await emulator.settled();
    expect(latestOutcome(second)).toContain("⏳ **Waiting** (`waiting_approval`) for bob: Waiting for 1 approval from @acme/release-managers");
    expect(commentOn(second)).toMatch(new RegExp(`<!-- shipline:waiting production ${newer} bob comment:\\d+ -->`));
    expect(deploymentsTo("production", newer)).toEqual([]);

    emulator.scenario.comment(REPO, second, { user: "carol", body: "/approve production" });
    await until(() => deploymentsTo("production", newer)[0]?.statuses[0]?.state === "success", 5000);
    expect(deploymentsTo("production", newer)).toHaveLength(1);
    expect(deploymentsTo("production", newer)[0]!.payload).toMatchObject({ shipline: { trigger: "command", actor: "bob", pr: second } });
    expect(commentOn(second)).not.toContain("<!-- shipline:waiting");
  }, 45_000);

  it("refuses to put the older commit back over the newer one: that is /rollback's job", async () => {
    emulator.scenario.comment(REPO, pr, { user: "bob", body: "/deploy production" });
    await emulator.settled();
    expect(latestOutcome(pr)).toContain(`(\`outdated\`) for bob: ${sha.slice(0, 7)} is older than what production runs (${newer.slice(0, 7)}): deploying it would take away 2 commits.`);
    expect(deploymentsTo("production")).toHaveLength(2);
  });
});
