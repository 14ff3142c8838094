import nock from "nock";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { captureDecideAgain } from "./helpers/timers.js";
import { github, mockInstallationToken, resetRequests, testProbot, factsQuery } from "./helpers/probot.js";
import { heldMergeOf } from "../shared/render/check-runs.js";
import { examplesOf, withInstallation } from "./helpers/examples.js";
import { deploymentNode, factsData } from "./helpers/facts.js";

const REPO = "/repos/Codertocat/Hello-World";
const SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
const CONFIG = `${REPO}/contents/.github%2Fshipline.yml`;

function pushToDefaultBranch(overrides: Record<string, unknown> = {}) {
  const push = examplesOf("push").find((p) => p.ref === "refs/heads/master" && p.installation)!;
  return withInstallation({ ...push, ...overrides });
}

function mockConfig(yaml: string | null) {
  const scope = github().get(CONFIG).query({ ref: SHA });
  if (yaml === null) {
    scope.reply(404, { message: "Not Found" });
    github().get("/repos/Codertocat/.github/contents/.github%2Fshipline.yml").reply(404, { message: "Not Found" });
  } else {
    scope.reply(200, yaml, { "content-type": "application/vnd.github.raw; charset=utf-8" });
  }
}

const deploymentResponse = (id: number, sha = SHA, environment = "staging") => ({
  id,
  sha,
  ref: sha,
  task: "deploy",
  environment,
  payload: {},
  creator: { login: "shipline[bot]" },
});

describe("push -> deployment (app/merge.ts)", () => {
  let seen: ReturnType<typeof resetRequests>;
  beforeEach(() => {
    seen = resetRequests();
  });

  it("ignores every tag push and tag deletion among the real push examples, with zero requests", async () => {
    const probot = testProbot();
    const tagPushes = examplesOf("push").filter((p) => p.ref.startsWith("refs/tags/"));
    expect(tagPushes.length).toBe(5);
    for (const payload of tagPushes) {
      await probot.receive({ id: "tag", name: "push", payload: withInstallation(payload) as any });
    }
    expect(seen).toEqual([]);
  });

  it("ignores pushes to other branches, branch deletions and pushes with no head commit", async () => {
    const probot = testProbot();
    await probot.receive({ id: "1", name: "push", payload: pushToDefaultBranch({ ref: "refs/heads/feature" }) as any });
    await probot.receive({
      id: "2",
      name: "push",
      payload: pushToDefaultBranch({ deleted: true, after: "0".repeat(40), head_commit: null }) as any,
    });
    await probot.receive({ id: "3", name: "push", payload: pushToDefaultBranch({ head_commit: null }) as any });
    expect(seen).toEqual([]);
  });

  it("deploys both real default-branch push examples to staging with one deployment and one check run", async () => {
    const pushes = examplesOf("push").filter((p) => p.ref === "refs/heads/master");
    expect(pushes.length).toBe(2);
    for (const payload of pushes) {
      seen.length = 0;
      mockInstallationToken();
      mockConfig(null);
      factsQuery(null).reply(200, { data: factsData() });
      github().post(`${REPO}/deployments`).reply(201, deploymentResponse(42));
      github().post(`${REPO}/check-runs`).reply(201, { id: 7 });
      await testProbot().receive({ id: "push-1", name: "push", payload: withInstallation(payload) as any });

      expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual([
        "POST /app/installations/1/access_tokens",
        `GET ${REPO}/contents/.github/shipline.yml?ref=${SHA}`,
        "GET /repos/Codertocat/.github/contents/.github/shipline.yml",
        "POST /graphql",
        `POST ${REPO}/deployments`,
        `POST ${REPO}/check-runs`,
      ]);
      expect(seen[4]!.body).toEqual({
        ref: SHA,
        task: "deploy",
        environment: "staging",
        description: "Shipline: 6113728 to staging (push by Codertocat)",
        production_environment: false,
        transient_environment: false,
        payload: { shipline: { trigger: "push", actor: "Codertocat", pr: null, stage: 0 } },
        auto_merge: false,
        required_contexts: [],
      });
      const checkRun = seen[5]!.body as any;
      expect(checkRun).toMatchObject({
        name: "Shipline",
        head_sha: SHA,
        status: "completed",
        conclusion: "neutral",
        external_id: "deployment:42",
        actions: [
          { label: "Deploy production", description: "Deploy 6113728 to production", identifier: "deploy:1" },
          { label: "Roll back staging", description: "Redeploy the last good staging", identifier: "rollback:0" },
        ],
      });
      expect(checkRun.output.title).toBe("Deploying 6113728 to staging");
      expect(checkRun.output.summary).toContain("| 1 | staging | deployment 42 created, waiting for the deploy workflow |");
      expect(checkRun.output.summary).toContain("| 2 | production | not deployed: comment `/deploy production`");
    }
  });

  it("names the pull request and reads the config at the pushed SHA for a merge commit", async () => {
    mockInstallationToken();
    mockConfig("stages:\n  - environment: qa\n    auto: true\n    url: https://qa.example.com\n  - environment: prod\n    production: true\n");
    factsQuery(null).reply(200, { data: factsData() });
    github().post(`${REPO}/deployments`).reply(201, deploymentResponse(43, SHA, "qa"));
    github().post(`${REPO}/check-runs`).reply(201, { id: 8 });
    const payload = pushToDefaultBranch();
    payload.head_commit.message = "Merge pull request #17 from octo/feature\n\nAdd @everyone <b>things</b>";
    await testProbot().receive({ id: "merge", name: "push", payload: payload as any });

    expect(seen).toHaveLength(5); // token + config + look-up + deployment + check run
    expect(seen[3]!.body).toMatchObject({
      environment: "qa",
      production_environment: false,
      description: "Shipline: 6113728 to qa (PR #17 merged by Codertocat)",
      payload: { shipline: { trigger: "merge", actor: "Codertocat", pr: 17, stage: 0 } },
    });
    const summary = (seen[4]!.body as any).output.summary as string;
    expect(summary).toContain("from pull request #17");
    expect(summary).toContain("[qa](https://qa.example.com)");
    expect((seen[4]!.body as any).actions[0]).toEqual({ label: "Deploy prod", description: "Deploy 6113728 to prod", identifier: "deploy:1" });
  });

  it("creates no second deployment when GitHub redelivers the same push", async () => {
    mockInstallationToken();
    mockConfig(null);
    factsQuery(null)
      .reply(200, { data: factsData({ deployments: [deploymentNode({ id: 42, sha: SHA, environment: "staging", shipline: { trigger: "push", actor: "Codertocat", pr: null, stage: 0 } })] }) });
    github()
      .get(`${REPO}/commits/${SHA}/check-runs`)
      .query({ check_name: "Shipline", filter: "latest", app_id: 123 })
      .reply(200, { total_count: 1, check_runs: [{ id: 7, name: "Shipline" }] });
    await testProbot().receive({ id: "push-1", name: "push", payload: pushToDefaultBranch() as any });
    // Reads only: the token, config, the facts query (a GraphQL POST) and the check-run look-up.
    expect(seen.filter((r) => r.method === "POST" && !["/app/installations/1/access_tokens", "/graphql"].includes(r.path))).toEqual([]);
  });

  it("adds the missing check run on redelivery when the first delivery stopped after the deployment", async () => {
    mockInstallationToken();
    mockConfig(null);
    factsQuery(null)
      .reply(200, { data: factsData({ deployments: [deploymentNode({ id: 42, sha: SHA, environment: "staging", shipline: { stage: 0 } })] }) });
    github().get(`${REPO}/commits/${SHA}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
    github().post(`${REPO}/check-runs`).reply(201, { id: 9 });
    await testProbot().receive({ id: "push-1", name: "push", payload: pushToDefaultBranch() as any });
    expect(seen.filter((r) => r.method === "POST").map((r) => r.path)).toEqual([
      "/app/installations/1/access_tokens",
      "/graphql",
      `${REPO}/check-runs`,
    ]);
    expect((seen.at(-1)!.body as any).external_id).toBe("deployment:42");
  });

  it("ignores deployments of the same SHA that Shipline did not create", async () => {
    mockInstallationToken();
    mockConfig(null);
    factsQuery(null).reply(200, { data: factsData({ deployments: [deploymentNode({ id: 5, sha: SHA, environment: "staging", shipline: null })] }) });
    github().post(`${REPO}/deployments`).reply(201, deploymentResponse(44));
    github().post(`${REPO}/check-runs`).reply(201, { id: 10 });
    await testProbot().receive({ id: "push-2", name: "push", payload: pushToDefaultBranch() as any });
    expect(seen.filter((r) => r.method === "POST").map((r) => r.path)).toContain(`${REPO}/deployments`);
  });

  it("refuses a deployment GitHub returns for another SHA: marks it error and fails the check run", async () => {
    const other = "b".repeat(40);
    mockInstallationToken();
    mockConfig(null);
    factsQuery(null).reply(200, { data: factsData() });
    github().post(`${REPO}/deployments`).reply(201, deploymentResponse(45, other));
    github().post(`${REPO}/deployments/45/statuses`).reply(201, { id: 1, state: "error" });
    github().post(`${REPO}/check-runs`).reply(201, { id: 11 });
    await testProbot().receive({ id: "push-3", name: "push", payload: pushToDefaultBranch() as any });
    expect(seen.at(-2)!.body).toEqual({ state: "error", description: "Shipline asked for 6113728; refusing bbbbbbb." });
    expect(seen.at(-1)!.body).toMatchObject({ conclusion: "failure", head_sha: SHA });
    expect((seen.at(-1)!.body as any).output.summary).toContain("`sha_mismatch`");
  });

  it("creates no deployment when the first stage is manual, and offers its button", async () => {
    mockInstallationToken();
    mockConfig("stages:\n  - environment: staging\n  - environment: production\n    production: true\n");
    github().get(`${REPO}/commits/${SHA}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
    github().post(`${REPO}/check-runs`).reply(201, { id: 12 });
    await testProbot().receive({ id: "push-4", name: "push", payload: pushToDefaultBranch() as any });
    expect(seen.some((r) => r.path.endsWith("/deployments"))).toBe(false);
    expect(seen.at(-1)!.body).toMatchObject({
      output: { title: "6113728 is ready to deploy" },
      actions: [{ label: "Deploy staging", identifier: "deploy:0" }],
    });
  });

  it("sets production_environment from config when the first stage is production", async () => {
    mockInstallationToken();
    mockConfig("stages:\n  - environment: live\n    auto: true\n    production: true\n");
    factsQuery(null).reply(200, { data: factsData() });
    github().post(`${REPO}/deployments`).reply(201, deploymentResponse(46, SHA, "live"));
    github().post(`${REPO}/check-runs`).reply(201, { id: 13 });
    await testProbot().receive({ id: "push-5", name: "push", payload: pushToDefaultBranch() as any });
    expect(seen.find((r) => r.path === `${REPO}/deployments` && r.method === "POST")!.body).toMatchObject({
      environment: "live",
      production_environment: true,
    });
    // One stage only: no next stage to offer, rolling back is the one button.
    expect((seen.at(-1)!.body as any).actions.map((a: any) => a.identifier)).toEqual(["rollback:0"]);
  });

  it("follows `_extends` to the organisation's .github repository through Probot's loader", async () => {
    mockInstallationToken();
    mockConfig("_extends: .github\n");
    github()
      .get("/repos/Codertocat/.github/contents/.github%2Fshipline.yml")
      .reply(200, "stages:\n  - environment: canary\n    auto: true\n", { "content-type": "application/vnd.github.raw; charset=utf-8" });
    factsQuery(null).reply(200, { data: factsData() });
    github().post(`${REPO}/deployments`).reply(201, deploymentResponse(47, SHA, "canary"));
    github().post(`${REPO}/check-runs`).reply(201, { id: 14 });
    await testProbot().receive({ id: "push-6", name: "push", payload: pushToDefaultBranch() as any });
    expect(seen.find((r) => r.method === "POST" && r.path === `${REPO}/deployments`)!.body).toMatchObject({ environment: "canary" });
  });

  describe("a 5xx on a create that may have succeeded (Probot's retry plugin is on, as in production)", () => {
    const marker = { shipline: { trigger: "push", actor: "Codertocat", pr: null, stage: 0 } };

    it("does not create the deployment twice when the first create did land", async () => {
      mockInstallationToken();
      mockConfig(null);
      factsQuery(null).reply(200, { data: factsData() });
      github().post(`${REPO}/deployments`).reply(502, { message: "Server Error" });
      // What a blind retry of the POST would get: a second deployment.
      const blindRetry = github().post(`${REPO}/deployments`).reply(201, deploymentResponse(99));
      github().get(`${REPO}/deployments`).query(true).reply(200, [{ ...deploymentResponse(48), payload: marker }]);
      github().post(`${REPO}/check-runs`).reply(201, { id: 15 });
      await testProbot({ retry: true }).receive({ id: "5xx-1", name: "push", payload: pushToDefaultBranch() as any });
      expect(seen.filter((r) => r.method === "POST" && r.path === `${REPO}/deployments`)).toHaveLength(1);
      expect((seen.at(-1)!.body as any).external_id).toBe("deployment:48");
      expect(blindRetry.isDone()).toBe(false);
      nock.cleanAll();
    });

    it("creates it again when the look-up shows the first create did not land", async () => {
      mockInstallationToken();
      mockConfig(null);
      factsQuery(null).reply(200, { data: factsData() });
      github().post(`${REPO}/deployments`).reply(503, { message: "Unavailable" });
      github().get(`${REPO}/deployments`).query(true).reply(200, []);
      github().post(`${REPO}/deployments`).reply(201, deploymentResponse(49));
      github().post(`${REPO}/check-runs`).reply(201, { id: 16 });
      await testProbot({ retry: true }).receive({ id: "5xx-2", name: "push", payload: pushToDefaultBranch() as any });
      expect(seen.filter((r) => r.method === "POST" && r.path === `${REPO}/deployments`)).toHaveLength(2);
    });

    it("does not add a second check run when the first one landed behind a 5xx", async () => {
      mockInstallationToken();
      mockConfig(null);
      factsQuery(null).reply(200, { data: factsData() });
      github().post(`${REPO}/deployments`).reply(201, deploymentResponse(50));
      github().post(`${REPO}/check-runs`).reply(500, { message: "Server Error" });
      const blindRetry = github().post(`${REPO}/check-runs`).reply(201, { id: 98 });
      github().get(`${REPO}/commits/${SHA}/check-runs`).query(true).reply(200, { total_count: 1, check_runs: [{ id: 17, name: "Shipline" }] });
      await testProbot({ retry: true }).receive({ id: "5xx-3", name: "push", payload: pushToDefaultBranch() as any });
      expect(seen.filter((r) => r.method === "POST" && r.path === `${REPO}/check-runs`)).toHaveLength(1);
      expect(blindRetry.isDone()).toBe(false);
      nock.cleanAll();
    });

    it("gives up after a 422 without looking again: GitHub refused, nothing was created", async () => {
      mockInstallationToken();
      mockConfig(null);
      factsQuery(null).reply(200, { data: factsData() });
      github().post(`${REPO}/deployments`).reply(422, { message: "No ref found" });
      await expect(testProbot({ retry: true }).receive({ id: "422", name: "push", payload: pushToDefaultBranch() as any })).rejects.toThrow(/No ref found/);
      expect(seen.filter((r) => r.path.startsWith(`${REPO}/deployments`))).toHaveLength(1);
    });
  });

  it("does not auto-deploy a merge to a locked first stage, and says who holds it", async () => {
    mockInstallationToken();
    mockConfig(null);
    factsQuery(null)
      .reply(200, { data: factsData({ locks: [{ environment: "staging", holder: "carol", reason: "db migration", since: "2026-11-23T07:00:00Z" }] }) });
    github().get(`${REPO}/commits/${SHA}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
    github().post(`${REPO}/check-runs`).reply(201, { id: 18 });
    await testProbot().receive({ id: "locked", name: "push", payload: pushToDefaultBranch() as any });
    expect(seen.some((r) => r.method === "POST" && r.path === `${REPO}/deployments`)).toBe(false);
    expect(seen.at(-1)!.body).toMatchObject({
      conclusion: "neutral",
      output: { title: "Not deployed: staging is locked" },
      actions: [{ identifier: "deploy:0" }],
    });
    expect((seen.at(-1)!.body as any).output.summary).toContain("staging is locked by carol since 2026-11-23T07:00:00Z: db migration. Reason code: `locked`.");
  });

  it("auto-deploys when the lock on the first stage is held by the one who merged", async () => {
    mockInstallationToken();
    mockConfig(null);
    factsQuery(null).reply(200, { data: factsData({ locks: [{ environment: "staging", holder: "Codertocat" }] }) });
    github().post(`${REPO}/deployments`).reply(201, deploymentResponse(51));
    github().post(`${REPO}/check-runs`).reply(201, { id: 19 });
    await testProbot().receive({ id: "own-lock", name: "push", payload: pushToDefaultBranch() as any });
    expect(seen.some((r) => r.method === "POST" && r.path === `${REPO}/deployments`)).toBe(true);
  });

  it("treats an unreadable lock as held: no deployment", async () => {
    mockInstallationToken();
    mockConfig(null);
    factsQuery(null).reply(200, { data: factsData({ locks: [{ environment: "staging", message: "garbage" }] }) });
    github().get(`${REPO}/commits/${SHA}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
    github().post(`${REPO}/check-runs`).reply(201, { id: 20 });
    await testProbot().receive({ id: "bad-lock", name: "push", payload: pushToDefaultBranch() as any });
    expect(seen.some((r) => r.method === "POST" && r.path === `${REPO}/deployments`)).toBe(false);
    expect((seen.at(-1)!.body as any).output.summary).toContain("a lock that cannot be read");
  });

  describe("the checks gate at merge, on every plan (no protection rule needed)", () => {
    it("creates nothing while the merged commit's checks run: the check run waits, carrying who merged", async () => {
      mockInstallationToken();
      mockConfig(null);
      factsQuery(null, undefined, SHA).reply(200, { data: factsData({ commitChecks: [["ci/test", "in_progress", null], ["Shipline", "completed", "neutral"]] }) });
      github().get(`${REPO}/commits/${SHA}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
      github().post(`${REPO}/check-runs`).reply(201, { id: 31 });
      await testProbot().receive({ id: "held", name: "push", payload: pushToDefaultBranch() as any });
      expect(seen.some((r) => r.path.endsWith("/deployments"))).toBe(false);
      const run = seen.find((r) => r.method === "POST" && r.path.endsWith("/check-runs"))!.body as any;
      expect(run).toMatchObject({ name: "Shipline", head_sha: SHA, status: "in_progress", output: { title: "Waiting for checks before staging" } });
      expect(run.output.summary).toContain("Waiting for required checks (running: \\`ci/test\\`).");
      expect(heldMergeOf(run.external_id, SHA)).toMatchObject({ sha: SHA, actor: "Codertocat", trigger: "push" });
    });

    it("deploys the held merge when its checks turn green, editing the waiting check run", async () => {
      const checkRun = withInstallation(examplesOf("check_run").find((e) => e.action === "completed")!);
      const sha = checkRun.check_run.head_sha as string;
      const repo = `/repos/${checkRun.repository.full_name}`;
      const held = { pullRequest: 17, actor: "alice", title: "Add refunds", trigger: "merge", sha } as const;
      const { heldMergeMarker } = await import("../shared/render/check-runs.js");
      mockInstallationToken(checkRun.installation.id);
      github()
        .get(`${repo}/commits/${sha}/check-runs`)
        .query((q) => q.check_name === "Shipline")
        .reply(200, { total_count: 1, check_runs: [{ id: 31, name: "Shipline", head_sha: sha, status: "in_progress", conclusion: null, external_id: heldMergeMarker(held), output: { title: "t", summary: "s" } }] });
      github().get(`${repo}/contents/.github%2Fshipline.yml`).query({ ref: sha }).reply(404, { message: "Not Found" });
      github().get(`/repos/${checkRun.repository.owner.login}/.github/contents/.github%2Fshipline.yml`).reply(404, { message: "Not Found" });
      factsQuery(null, { owner: checkRun.repository.owner.login, repo: checkRun.repository.name }, sha).reply(200, { data: factsData({ commitChecks: [["ci/test", "completed", "success"]] }) });
      github().post(`${repo}/deployments`).reply(201, deploymentResponse(77, sha));
      github().patch(`${repo}/check-runs/31`).reply(200, { id: 31 });
      // Then the held promotions' look-up (now the staging deployment just made: no promotion
      // is due, the pipeline has one stage), and the protection rule's part: no run waits.
      github().get(`${repo}/deployments`).query({ sha, per_page: 100 }).reply(200, [{ ...deploymentResponse(77, sha), task: "deploy", payload: { shipline: { stage: 0 } } }]);
      github().get(`${repo}/contents/.github%2Fshipline.yml`).reply(404, { message: "Not Found" });
      github().get(`/repos/${checkRun.repository.owner.login}/.github/contents/.github%2Fshipline.yml`).reply(404, { message: "Not Found" });
      // Then the protection rule's part: no run waits on this commit.
      github().get(`${repo}/actions/runs`).query(true).reply(200, { total_count: 0, workflow_runs: [] });
      await testProbot().receive({ id: "green", name: "check_run", payload: checkRun as any });
      expect(seen.find((r) => r.method === "POST" && r.path.endsWith("/deployments"))!.body).toMatchObject({ ref: sha, environment: "staging", payload: { shipline: { trigger: "merge", actor: "alice", pr: 17 } }, description: "Shipline: " + sha.slice(0, 7) + " to staging (PR #17 merged by alice)" });
      expect(seen.some((r) => r.method === "POST" && r.path.endsWith("/check-runs"))).toBe(false);
      expect(seen.find((r) => r.method === "PATCH")!.body).toMatchObject({ status: "completed", conclusion: "neutral", external_id: "deployment:77" });
    });

    it("holds a merge while the first stage is frozen, and deploys it when the freeze ends (a timer, no event)", async () => {
      const { due, restore } = captureDecideAgain();
      try {
        const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
        const frozen = `stages:\n  - environment: staging\n    auto: true\n    freeze:\n      - { from: "${day(-1)}", to: "${day(1)}", reason: "sales" }\n`;
        mockInstallationToken();
        mockConfig(frozen);
        factsQuery(null, undefined, SHA).reply(200, { data: factsData({ commitChecks: [["ci/test", "completed", "success"]] }) });
        github().get(`${REPO}/commits/${SHA}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
        github().post(`${REPO}/check-runs`).reply(201, { id: 33 });
        await testProbot().receive({ id: "frozen", name: "push", payload: pushToDefaultBranch() as any });
        expect(seen.some((r) => r.path.endsWith("/deployments"))).toBe(false);
        expect(seen.find((r) => r.method === "POST" && r.path.endsWith("/check-runs"))!.body).toMatchObject({ status: "in_progress", output: { title: "Frozen: staging waits for the freeze to end" } });
        // Read again at the freeze's end (or in 6 hours, the longest wait, when it ends later).
        expect(due).toHaveLength(1);
        expect(due[0]!.ms).toBeLessThanOrEqual(6 * 3600_000);

        // The freeze is over when the timer fires: the held run is found again, and the merge deployed, editing it.
        const held = (seen.find((r) => r.method === "POST" && r.path.endsWith("/check-runs"))!.body as { external_id: string }).external_id;
        vi.useFakeTimers({ toFake: ["Date"], now: Date.parse(`${day(2)}T00:00:00Z`) });
        seen = resetRequests();
        mockInstallationToken();
        github().get(`${REPO}/commits/${SHA}/check-runs`).query(true).reply(200, { total_count: 1, check_runs: [{ id: 33, name: "Shipline", head_sha: SHA, status: "in_progress", conclusion: null, external_id: held, output: { title: "t", summary: "s" } }] });
        mockConfig(frozen);
        factsQuery(null, undefined, SHA).reply(200, { data: factsData({ commitChecks: [["ci/test", "completed", "success"]] }) });
        github().post(`${REPO}/deployments`).reply(201, deploymentResponse(78));
        github().patch(`${REPO}/check-runs/33`).reply(200, { id: 33 });
        due[0]!.run();
        await vi.waitFor(() => expect(seen.some((r) => r.method === "PATCH")).toBe(true), { timeout: 5000 });
        expect(seen.find((r) => r.method === "POST" && r.path.endsWith("/deployments"))!.body).toMatchObject({ ref: SHA, environment: "staging" });
      } finally {
        vi.useRealTimers();
        restore();
      }
    });

    it("says a failed check stopped the merge's deployment, and deploys nothing", async () => {
      mockInstallationToken();
      mockConfig(null);
      factsQuery(null, undefined, SHA).reply(200, { data: factsData({ commitChecks: [["ci/test", "completed", "failure"]] }) });
      github().get(`${REPO}/commits/${SHA}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
      github().post(`${REPO}/check-runs`).reply(201, { id: 32 });
      await testProbot().receive({ id: "red", name: "push", payload: pushToDefaultBranch() as any });
      expect(seen.some((r) => r.path.endsWith("/deployments"))).toBe(false);
      expect(seen.find((r) => r.method === "POST" && r.path.endsWith("/check-runs"))!.body).toMatchObject({ status: "completed", conclusion: "neutral", output: { title: "Not deployed to staging: required checks failed" } });
    });
  });
});
