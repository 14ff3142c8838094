import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { captureDecideAgain } from "./helpers/timers.js";
import { examplesOf, withInstallation } from "./helpers/examples.js";
import { deploymentNode, factsData } from "./helpers/facts.js";
import { github, mockInstallationToken, resetRequests, testProbot, type SeenRequest, factsQuery } from "./helpers/probot.js";
import { decideAgain } from "../app/decide-again.js";

const REPO = "/repos/Codertocat/Hello-World";
const RUN = 4242;
const CONFIG = "stages:\n  - environment: staging\n    auto: true\n    soak: 30m\n  - environment: production\n    production: true\n    checks: [test]\n";

/**
 * `deployment_protection_rule.requested` as GitHub's docs describe it, around the real
 * `deployment` object of the @octokit/webhooks-examples deployment event.
 */
function protectionEvent(environment: string, shipline?: Record<string, unknown>) {
  const example = withInstallation(examplesOf("deployment")[0]!);
  const deployment = { ...example.deployment, environment, ...(shipline ? { payload: { shipline } } : {}) };
  return {
    action: "requested",
    environment,
    event: "deployment",
    sha: deployment.sha,
    ref: deployment.ref,
    deployment_callback_url: `https://api.github.com${REPO}/actions/runs/${RUN}/deployment_protection_rule`,
    deployment,
    pull_requests: [],
    repository: example.repository,
    installation: example.installation,
    sender: example.sender,
  };
}

const SHA = examplesOf("deployment")[0]!.deployment.sha as string;

/** By default the SHA has soaked in staging for days, so only the gate under test decides. */
const soaked = [deploymentNode({ id: 3, sha: SHA, environment: "staging", statuses: ["SUCCESS"], createdAt: "2026-11-20T08:00:00Z" })];

function mockFacts(extra: Parameters<typeof factsData>[0] = {}) {
  mockInstallationToken();
  factsQuery(null).reply(200, { data: factsData({ config: CONFIG, deployments: soaked, ...extra }) });
}

function mockChecks(runs: Array<Record<string, unknown>>, statuses: Array<Record<string, unknown>> = []) {
  github().get(`${REPO}/commits/${SHA}/check-runs`).query({ filter: "all", per_page: 100 }).reply(200, { total_count: runs.length, check_runs: runs });
  github().get(`${REPO}/commits/${SHA}/statuses`).query({ per_page: 100 }).reply(200, statuses);
}

const review = () => github().post(`${REPO}/actions/runs/${RUN}/deployment_protection_rule`).reply(204);

/** The look-up for a merge Shipline held for its checks (none here): a check finishing asks it first. */
/** The held deploys' look-ups, two GETs: no merge held by Shipline's check run, no deployment of that commit to promote. */
const noHeldMerge = (repo: string, sha: string) => {
  github()
    .get(`${repo}/commits/${sha}/check-runs`)
    .query((q) => q.check_name === "Shipline")
    .reply(200, { total_count: 0, check_runs: [] });
  github().get(`${repo}/deployments`).query({ sha, per_page: 100 }).reply(200, []);
};

describe("Shipline as a custom deployment protection rule (app/protection.ts)", () => {
  let seen: SeenRequest[];
  beforeEach(() => {
    seen = resetRequests();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const answer = () => seen.find((r) => r.path.endsWith("/deployment_protection_rule"))!.body as { environment_name: string; state?: string; comment: string };
  const receive = (payload: unknown) => testProbot().receive({ id: "p1", name: "deployment_protection_rule", payload: payload as any });

  it("approves production when the required check is green on the exact SHA, nothing is frozen or locked", async () => {
    mockFacts();
    mockChecks([
      { id: 1, name: "test", status: "completed", conclusion: "success", details_url: "https://ci.example/1" },
      // This run's own waiting deploy job is not a check to wait for.
      { id: 2, name: "deploy", status: "waiting", conclusion: null, details_url: `https://github.com/Codertocat/Hello-World/actions/runs/${RUN}/job/9` },
    ]);
    review();
    await receive(protectionEvent("production"));
    expect(answer()).toMatchObject({ environment_name: "production", state: "approved" });
    expect(answer().comment).toContain(`Shipline approved ${SHA.slice(0, 7)} for production: every gate passed.`);
    expect(answer().comment).toContain("✅ checks: Required checks are green: `test`.");
    expect(seen.map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual([
      "POST /app/installations/1/access_tokens",
      "POST /graphql",
      `GET ${REPO}/commits/${SHA}/check-runs`,
      `GET ${REPO}/commits/${SHA}/statuses`,
      `POST ${REPO}/actions/runs/${RUN}/deployment_protection_rule`,
    ]);
  });

  it("rejects when a required check failed, naming the gate", async () => {
    mockFacts();
    mockChecks([{ id: 1, name: "test", status: "completed", conclusion: "failure", details_url: null }]);
    review();
    await receive(protectionEvent("production"));
    expect(answer()).toMatchObject({ state: "rejected" });
    expect(answer().comment).toContain("the checks gate decided. Required checks failed: `test`.");
  });

  it("reports without deciding while a required check still runs (pending is not a rejection)", async () => {
    mockFacts();
    mockChecks([{ id: 1, name: "test", status: "in_progress", conclusion: null, details_url: null }]);
    review();
    await receive(protectionEvent("production"));
    expect(answer().state).toBeUndefined();
    expect(answer().comment).toContain("Shipline is waiting before production takes");
    expect(answer().comment).toContain("Waiting for required checks (running: `test`).");
  });

  it("waits for the soak time of the previous stage, measured from its first success", async () => {
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000).toISOString();
    mockFacts({ deployments: [deploymentNode({ id: 5, sha: SHA, environment: "staging", statuses: ["IN_PROGRESS", "SUCCESS"], createdAt: tenMinutesAgo })] });
    mockChecks([{ id: 1, name: "test", status: "completed", conclusion: "success", details_url: null }]);
    review();
    await receive(protectionEvent("production"));
    expect(answer().state).toBeUndefined();
    expect(answer().comment).toMatch(/⏳ soak: Soaking in staging: 2\dm\d*s? to go of 30m\./);
  });

  it("decides again by itself when the soak ends (no event announces it)", async () => {
    const { due, restore } = captureDecideAgain();
    try {
      // A fixed clock: the soak (30m) ends exactly one minute after this request.
      const now = Date.parse("2026-11-23T12:00:00Z");
      vi.useFakeTimers({ toFake: ["Date"], now });
      const soakedAt = new Date(now - 29 * 60_000).toISOString();
      const staging = [deploymentNode({ id: 5, sha: SHA, environment: "staging", statuses: ["IN_PROGRESS", "SUCCESS"], createdAt: soakedAt })];
      mockFacts({ deployments: staging });
      mockChecks([{ id: 1, name: "test", status: "completed", conclusion: "success", details_url: null }]);
      review();
      await receive(protectionEvent("production"));
      expect(answer().state).toBeUndefined();
      // Due one minute from now (the soak's end), plus a second to be past it.
      expect(due).toHaveLength(1);
      expect(due[0]!.ms).toBe(61_000);

      seen.length = 0;
      vi.setSystemTime(now + 61_000);
      // The installation's token comes from Probot's cache (renewed there when it expires).
      factsQuery(null).reply(200, { data: factsData({ config: CONFIG, deployments: staging }) });
      mockChecks([{ id: 1, name: "test", status: "completed", conclusion: "success", details_url: null }]);
      review();
      due[0]!.run();
      await vi.waitFor(() => expect(seen.some((r) => r.path.endsWith("/deployment_protection_rule"))).toBe(true));
      expect(answer()).toMatchObject({ environment_name: "production", state: "approved" });
      expect(answer().comment).toContain("✅ soak: Soaked 30m1s in staging (at least 30m).");
    } finally {
      restore();
    }
  });

  it("sets no timer when a check, not the clock, is what the decision waits for", async () => {
    const before = decideAgain.timers.size;
    mockFacts();
    mockChecks([{ id: 1, name: "test", status: "in_progress", conclusion: null, details_url: null }]);
    review();
    await receive(protectionEvent("production"));
    expect(answer().state).toBeUndefined();
    expect(decideAgain.timers.size).toBe(before);
  });

  it("rejects a locked environment, and lets its holder's deployment through", async () => {
    mockFacts({ locks: [{ environment: "production", holder: "carol", reason: "incident" }] });
    mockChecks([{ id: 1, name: "test", status: "completed", conclusion: "success", details_url: null }]);
    review();
    await receive(protectionEvent("production", { actor: "bob" }));
    expect(answer()).toMatchObject({ state: "rejected" });
    expect(answer().comment).toContain("the lock gate decided. production is locked by carol since");
    seen.length = 0;
    mockFacts({ locks: [{ environment: "production", holder: "carol" }] });
    mockChecks([{ id: 1, name: "test", status: "completed", conclusion: "success", details_url: null }]);
    review();
    await receive(protectionEvent("production", { actor: "carol" }));
    expect(answer().state).toBe("approved");
  });

  it("rejects in a freeze window unless an admin's override is recorded in the payload", async () => {
    // Saturday noon in Paris; only Date is faked, so the HTTP stack keeps its timers.
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-11-28T11:00:00Z") });
    const always = "stages:\n  - environment: production\n    checks: none\n    freeze:\n      - { from: fri 18:00, to: mon 08:00, timezone: Europe/Paris, reason: weekend }\n";
    mockInstallationToken();
    factsQuery(null).reply(200, { data: factsData({ config: always }) });
    mockChecks([]);
    review();
    await receive(protectionEvent("production"));
    expect(answer()).toMatchObject({ state: "rejected" });
    expect(answer().comment).toContain("the freeze gate decided. production is frozen (weekend) until Mon 08:00 Europe/Paris.");
    seen.length = 0;
    mockInstallationToken();
    factsQuery(null).reply(200, { data: factsData({ config: always }) });
    mockChecks([]);
    review();
    await receive(protectionEvent("production", { override_freeze: true }));
    expect(answer().state).toBe("approved");
    expect(answer().comment).toContain("✅ freeze: production is frozen (weekend), overridden by an admin.");
    vi.useRealTimers();
  });

  it("reads who asked and the freeze override from Shipline's deployment when the job's deployment is GitHub's own record", async () => {
    // A job that references an environment gets a deployment of GitHub's (creator github-actions, no payload).
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-11-28T11:00:00Z") });
    const frozen = "stages:\n  - environment: production\n    checks: none\n    freeze:\n      - { from: fri 18:00, to: mon 08:00, timezone: Europe/Paris }\n";
    const ours = deploymentNode({ id: 70, sha: SHA, environment: "production", state: null, shipline: { actor: "carol", override_freeze: true, trigger: "command" } });
    mockInstallationToken();
    factsQuery(null).reply(200, { data: factsData({ config: frozen, deployments: [ours], locks: [{ environment: "production", holder: "carol" }] }) });
    mockChecks([]);
    review();
    await receive(protectionEvent("production"));
    expect(answer().state).toBe("approved");
    expect(answer().comment).toContain("✅ freeze: production is frozen, overridden by an admin.");
    expect(answer().comment).toContain("✅ lock: production is locked by carol, who deploys.");
    vi.useRealTimers();
  });

  it("fails closed on a broken config: rejected with the problems", async () => {
    mockInstallationToken();
    factsQuery(null).reply(200, { data: factsData({ config: "stages: nope\n" }) });
    review();
    await receive(protectionEvent("production"));
    expect(answer()).toMatchObject({ state: "rejected" });
    expect(answer().comment).toContain("(config_invalid)");
  });

  it("approves an environment that is not a Shipline stage: no gate applies", async () => {
    mockFacts();
    mockChecks([]);
    review();
    await receive(protectionEvent("preview-42"));
    expect(answer()).toMatchObject({ state: "approved", comment: "Shipline: preview-42 is not a stage in .github/shipline.yml; no gate applies." });
  });

  it("decides again when a check completes, for each run of that commit still waiting", async () => {
    const checkRun = withInstallation(examplesOf("check_run").find((e) => e.action === "completed")!);
    const sha = checkRun.check_run.head_sha as string;
    const repo = `/repos/${checkRun.repository.full_name}`;
    mockInstallationToken(checkRun.installation.id);
    noHeldMerge(repo, sha);
    github().get(`${repo}/actions/runs`).query({ head_sha: sha, status: "waiting", per_page: 20 }).reply(200, { total_count: 1, workflow_runs: [{ id: RUN }] });
    github().get(`${repo}/actions/runs/${RUN}/pending_deployments`).reply(200, [{ environment: { id: 1, name: "production" }, wait_timer: 0, current_user_can_approve: false, reviewers: [] }]);
    factsQuery(null).reply(200, { data: factsData({ config: CONFIG, deployments: [deploymentNode({ id: 3, sha, environment: "staging", statuses: ["SUCCESS"], createdAt: "2026-11-20T08:00:00Z" })] }) });
    github().get(`${repo}/commits/${sha}/check-runs`).query(true).reply(200, { total_count: 1, check_runs: [{ id: 1, name: "test", status: "completed", conclusion: "success", details_url: null }] });
    github().get(`${repo}/commits/${sha}/statuses`).query(true).reply(200, []);
    github().post(`${repo}/actions/runs/${RUN}/deployment_protection_rule`).reply(204);
    await testProbot().receive({ id: "c1", name: "check_run", payload: checkRun as any });
    expect(seen.at(-1)!.body).toMatchObject({ environment_name: "production", state: "approved" });
  });

  it("decides again for the person who asked, not for the CI bot whose check completed", async () => {
    const checkRun = withInstallation(examplesOf("check_run").find((e) => e.action === "completed")!);
    const sha = checkRun.check_run.head_sha as string;
    const repo = `/repos/${checkRun.repository.full_name}`;
    mockInstallationToken(checkRun.installation.id);
    noHeldMerge(repo, sha);
    github().get(`${repo}/actions/runs`).query(true).reply(200, { total_count: 1, workflow_runs: [{ id: RUN }] });
    github().get(`${repo}/actions/runs/${RUN}/pending_deployments`).reply(200, [{ environment: { id: 1, name: "production" }, wait_timer: 0, current_user_can_approve: false, reviewers: [] }]);
    const deployments = [
      deploymentNode({ id: 3, sha, environment: "staging", statuses: ["SUCCESS"], createdAt: "2026-11-20T08:00:00Z" }),
      deploymentNode({ id: 9, sha, environment: "production", state: null, shipline: { actor: "carol", trigger: "command" } }),
    ];
    factsQuery(null).reply(200, { data: factsData({ config: CONFIG, deployments, locks: [{ environment: "production", holder: "carol" }] }) });
    github().get(`${repo}/commits/${sha}/check-runs`).query(true).reply(200, { total_count: 1, check_runs: [{ id: 1, name: "test", status: "completed", conclusion: "success", details_url: null }] });
    github().get(`${repo}/commits/${sha}/statuses`).query(true).reply(200, []);
    github().post(`${repo}/actions/runs/${RUN}/deployment_protection_rule`).reply(204);
    await testProbot().receive({ id: "c3", name: "check_run", payload: checkRun as any });
    expect(seen.at(-1)!.body).toMatchObject({ environment_name: "production", state: "approved", comment: expect.stringContaining("✅ lock: production is locked by carol, who deploys.") });
  });

  it("decides again when a commit status completes (CI that reports statuses, not check runs)", async () => {
    const status = withInstallation(examplesOf("status").find((e) => e.state === "success")!);
    const sha = status.sha as string;
    const repo = `/repos/${status.repository.full_name}`;
    mockInstallationToken(status.installation.id);
    noHeldMerge(repo, sha);
    github().get(`${repo}/actions/runs`).query({ head_sha: sha, status: "waiting", per_page: 20 }).reply(200, { total_count: 1, workflow_runs: [{ id: RUN }] });
    github().get(`${repo}/actions/runs/${RUN}/pending_deployments`).reply(200, [{ environment: { id: 1, name: "production" }, wait_timer: 0, current_user_can_approve: false, reviewers: [] }]);
    factsQuery(null).reply(200, { data: factsData({ config: CONFIG.replace("checks: [test]", "checks: [ci/legacy]"), deployments: [deploymentNode({ id: 3, sha, environment: "staging", statuses: ["SUCCESS"], createdAt: "2026-11-20T08:00:00Z" })] }) });
    github().get(`${repo}/commits/${sha}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
    github().get(`${repo}/commits/${sha}/statuses`).query(true).reply(200, [{ id: 7, context: "ci/legacy", state: "success", target_url: null, created_at: "2026-11-20T09:00:00Z" }]);
    github().post(`${repo}/actions/runs/${RUN}/deployment_protection_rule`).reply(204);
    await testProbot().receive({ id: "s1", name: "status", payload: status as any });
    expect(seen.at(-1)).toMatchObject({ method: "POST", path: `${repo}/actions/runs/${RUN}/deployment_protection_rule`, body: { environment_name: "production", state: "approved" } });
  });

  it("decides nothing on a pending commit status (no request)", async () => {
    const status = withInstallation(examplesOf("status")[0]!);
    status.state = "pending";
    await testProbot().receive({ id: "s2", name: "status", payload: status as any });
    expect(seen).toEqual([]);
  });

  it("ignores Shipline's own check runs completing (no loop, no request)", async () => {
    const checkRun = withInstallation(examplesOf("check_run").find((e) => e.action === "completed")!);
    checkRun.check_run.name = "Shipline";
    await testProbot().receive({ id: "c2", name: "check_run", payload: checkRun as any });
    expect(seen).toEqual([]);
  });
});
