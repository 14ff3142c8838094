import { beforeEach, describe, expect, it } from "vitest";
import { examplesOf, withInstallation } from "./helpers/examples.js";
import { deploymentNode, factsData, type FactsOptions } from "./helpers/facts.js";
import { github, mockInstallationToken, resetRequests, testProbot, type SeenRequest, factsQuery, graphqlOperation } from "./helpers/probot.js";

const CONFIG = "stages:\n  - environment: staging\n    auto: true\n    auto_rollback: true\n  - environment: production\n    auto: true\n    production: true\n";
const MANUAL = "stages:\n  - environment: staging\n    auto: true\n  - environment: production\n    production: true\n";
const GOOD = "a".repeat(40);
const LOG = "https://github.com/acme/shop/actions/runs/55";

/** A real deployment_status.created example, for a deployment Shipline made (or not). */
function statusEvent(state: string, deployment: { environment: string; task?: string; shipline?: Record<string, unknown> | null }) {
  const example = withInstallation(examplesOf("deployment_status")[0]!);
  example.deployment_status.state = state;
  example.deployment_status.log_url = LOG;
  example.deployment_status.description = state === "success" ? "" : "health check failed: 503 after 10s";
  example.deployment.environment = deployment.environment;
  example.deployment.task = deployment.task ?? "deploy";
  example.deployment.payload = deployment.shipline === null ? {} : { shipline: { actor: "bob", pr: 7, stage: 0, ...deployment.shipline } };
  return example;
}

const EXAMPLE = examplesOf("deployment_status")[0]!;
const REPO = `/repos/${EXAMPLE.repository.full_name}`;
const SHA = EXAMPLE.deployment.sha as string;
const ID = EXAMPLE.deployment.id as number;
const SHORT = SHA.slice(0, 7);
const PULL = { number: 7, state: "MERGED" as const, mergeCommit: SHA, headRefOid: "e".repeat(40) };

describe("following deployments (app/lifecycle.ts)", () => {
  let seen: SeenRequest[];
  beforeEach(() => {
    seen = resetRequests();
  });
  const receive = (payload: unknown) => testProbot().receive({ id: "s1", name: "deployment_status", payload: payload as any });
  const route = (r: SeenRequest) => `${r.method} ${r.path.split("?")[0]}`;
  const request = (method: string, suffix: string) => seen.find((r) => r.method === method && r.path.split("?")[0]!.endsWith(suffix));

  /** The facts query, then the commit's Shipline check run (found, or none yet), then the comment. */
  const answer = (o: FactsOptions & { checkRun?: number | null; comment?: "create" | "update" | "none" } = {}) => {
    mockInstallationToken();
    factsQuery(o.pull === null ? null : PULL.number).reply(200, { data: factsData({ config: CONFIG, pull: PULL, ...o }) });
    const checkRun = o.checkRun === undefined ? 31 : o.checkRun;
    github()
      .get(`${REPO}/commits/${SHA}/check-runs`)
      .query({ check_name: "Shipline", filter: "latest", app_id: 123 })
      .reply(200, { total_count: checkRun ? 1 : 0, check_runs: checkRun ? [{ id: checkRun - 1, name: "Shipline" }, { id: checkRun, name: "Shipline" }] : [] });
    if (checkRun) github().patch(`${REPO}/check-runs/${checkRun}`).reply(200, { id: checkRun });
    else github().post(`${REPO}/check-runs`).reply(201, { id: 77 });
    const comment = o.comment ?? "create";
    if (comment === "create") github().post(`${REPO}/issues/7/comments`).reply(201, { id: 500 });
    if (comment === "update") github().patch(`${REPO}/issues/comments/${o.pull?.commentId ?? 450}`).reply(200, { id: 450 });
  };

  it("ignores every real deployment_status example (not Shipline's deployments) with zero requests", async () => {
    for (const example of examplesOf("deployment_status")) await receive(withInstallation(example));
    expect(seen).toEqual([]);
  });

  it("ignores statuses that are not final with zero requests", async () => {
    for (const state of ["queued", "in_progress", "pending", "inactive"]) await receive(statusEvent(state, { environment: "staging" }));
    expect(seen).toEqual([]);
  });

  it("promotes a success to the next automatic stage, once, and says so on the check run and in the PR comment", async () => {
    answer();
    github().post(`${REPO}/deployments`).reply(201, { id: 900, sha: SHA, environment: "production", task: "deploy", payload: {} });
    await receive(statusEvent("success", { environment: "staging" }));
    expect(seen.map(route)).toEqual([
      "POST /app/installations/1/access_tokens",
      "POST /graphql",
      `POST ${REPO}/deployments`,
      `GET ${REPO}/commits/${SHA}/check-runs`,
      `PATCH ${REPO}/check-runs/31`,
      `POST ${REPO}/issues/7/comments`,
    ]);
    expect(request("POST", "/deployments")!.body).toMatchObject({
      ref: SHA,
      task: "deploy",
      environment: "production",
      production_environment: true,
      auto_merge: false,
      payload: { shipline: { trigger: "promotion", actor: "bob", pr: 7, stage: 1, source: `status:${ID}` } },
    });
    const outcome = `✅ **\`${SHORT}\` is live on staging** (deployment ${ID}, 2s) [log](${LOG}). Promoted automatically: deployment 900 takes it to production; Shipline's gates decide when it runs.`;
    expect(request("PATCH", "/check-runs/31")!.body).toEqual({
      status: "completed",
      conclusion: "success",
      external_id: `deployment:${ID}`,
      output: {
        title: `${SHORT} is live on staging`,
        summary: [outcome, "", "| # | Environment | State |", "|---|---|---|", `| 1 | staging | success (deployment ${ID}, 2s) [log](${LOG}) |`, "| 2 | production | not deployed |"].join("\n"),
      },
      actions: [{ label: "Roll back staging", description: "Redeploy the last good staging", identifier: "rollback:0" }],
    });
    const comment = (request("POST", "/issues/7/comments")!.body as { body: string }).body;
    expect(comment).toContain("<!-- shipline:pull-request -->");
    expect(comment).toContain(outcome);
  });

  it("does not promote twice when the status is delivered again, and edits the same comment", async () => {
    answer({
      pull: { ...PULL, commentId: 450 },
      comment: "update",
      deployments: [deploymentNode({ id: 900, sha: SHA, environment: "production", state: "QUEUED", shipline: { source: `status:${ID}`, pr: 7 } })],
    });
    await receive(statusEvent("success", { environment: "staging" }));
    expect(seen.some((r) => r.method === "POST" && r.path.endsWith("/deployments"))).toBe(false);
    expect((request("PATCH", "/issues/comments/450")!.body as { body: string }).body).toContain("It was already promoted to production.");
  });

  it("does not promote into a stage locked by someone else, and says why", async () => {
    answer({ locks: [{ environment: "production", holder: "carol" }] });
    await receive(statusEvent("success", { environment: "staging" }));
    expect(seen.some((r) => r.path.endsWith("/deployments"))).toBe(false);
    expect((request("POST", "/issues/7/comments")!.body as { body: string }).body).toContain("production is locked, so it was not promoted; deploy it once the lock is released.");
  });

  it("says the pull request's lead time once it is live in production, from its first commit", async () => {
    answer({ pull: { ...PULL, firstCommittedAt: "2019-05-15T13:00:00Z" } });
    const event = statusEvent("success", { environment: "production", shipline: { stage: 1 } });
    event.deployment_status.created_at = "2019-05-15T15:30:00Z";
    await receive(event);
    const comment = (request("POST", "/issues/7/comments")!.body as { body: string }).body;
    expect(comment).toContain("This was the last stage. Lead time: 2h30m, from #7's first commit to production.");
  });

  it("offers the next manual stage with a button and the command to type", async () => {
    answer({ config: MANUAL, checkRun: null });
    await receive(statusEvent("success", { environment: "staging" }));
    const run = request("POST", "/check-runs")!.body as { head_sha: string; actions: unknown[]; output: { summary: string } };
    expect(run.head_sha).toBe(SHA);
    expect(run.actions).toEqual([
      { label: "Deploy production", description: `Deploy ${SHORT} to production`, identifier: "deploy:1" },
      { label: "Roll back staging", description: "Redeploy the last good staging", identifier: "rollback:0" },
    ]);
    expect(run.output.summary).toContain("Next: comment `/deploy production` on the pull request, or use **Deploy production** on the Shipline check run.");
  });

  it("rolls back a failed deployment to the last good version, once, and says so", async () => {
    answer({ deployments: [deploymentNode({ id: 10, sha: GOOD, environment: "staging", statuses: ["SUCCESS", "INACTIVE"], state: "INACTIVE" })] });
    github().post(`${REPO}/deployments`).reply(201, { id: 901, sha: GOOD, environment: "staging", task: "deploy:rollback", payload: {} });
    await receive(statusEvent("failure", { environment: "staging" }));
    expect(request("POST", "/deployments")!.body).toMatchObject({
      ref: GOOD,
      task: "deploy:rollback",
      environment: "staging",
      payload: { shipline: { trigger: "auto_rollback", replaces: SHA, replaces_deployment: ID, source: `status:${ID}` } },
    });
    const run = request("PATCH", "/check-runs/31")!.body as { conclusion: string; output: { title: string }; actions: unknown[] };
    expect(run).toMatchObject({ conclusion: "failure", output: { title: `Deployment of ${SHORT} to staging failed` }, actions: [] });
    expect((request("POST", "/issues/7/comments")!.body as { body: string }).body).toContain(
      `❌ **Deploying \`${SHORT}\` to staging failed** (deployment ${ID}, 2s) [log](${LOG}): health check failed: 503 after 10s. Rolling back automatically to \`aaaaaaa\` (deployment 901).`,
    );
  });

  it("never rolls back a rollback (no loop), and says so", async () => {
    answer();
    await receive(statusEvent("failure", { environment: "staging", task: "deploy:rollback", shipline: { replaces: GOOD } }));
    expect(seen.some((r) => r.path.endsWith("/deployments"))).toBe(false);
    expect((request("POST", "/issues/7/comments")!.body as { body: string }).body).toContain("Shipline never rolls back a rollback");
  });

  it("rolls back nothing when nothing was good before", async () => {
    answer();
    await receive(statusEvent("error", { environment: "staging" }));
    expect(seen.some((r) => r.path.endsWith("/deployments"))).toBe(false);
    expect((request("POST", "/issues/7/comments")!.body as { body: string }).body).toContain("Nothing succeeded in staging before it, so there is no version to roll back to.");
  });

  it("where auto_rollback is off, offers the rollback instead of making one", async () => {
    answer();
    await receive(statusEvent("failure", { environment: "production" }));
    expect(seen.some((r) => r.path.endsWith("/deployments"))).toBe(false);
    expect((request("PATCH", "/check-runs/31")!.body as { actions: unknown[] }).actions).toEqual([
      { label: "Roll back production", description: "Redeploy the last good production", identifier: "rollback:1" },
    ]);
    expect((request("POST", "/issues/7/comments")!.body as { body: string }).body).toContain("Roll back with `/rollback production` on the pull request");
  });

  it("after a rollback succeeds, marks the version it replaced as rolled back in the comment", async () => {
    const BAD = "b".repeat(40);
    answer({
      deployments: [
        deploymentNode({ id: 20, sha: BAD, environment: "staging", state: "FAILURE", shipline: { pr: 7 } }),
        deploymentNode({ id: ID, sha: SHA, environment: "staging", task: "deploy:rollback", state: "SUCCESS", shipline: { pr: 7, replaces: BAD } }),
      ],
    });
    await receive(statusEvent("success", { environment: "staging", task: "deploy:rollback", shipline: { replaces: BAD, replaces_deployment: 20 } }));
    expect(seen.some((r) => r.path.endsWith("/deployments"))).toBe(false);
    const comment = (request("POST", "/issues/7/comments")!.body as { body: string }).body;
    expect(comment).toContain(`↩️ **staging rolled back to \`${SHORT}\`** (deployment ${ID}, 2s) [log](${LOG}). \`bbbbbbb\` is marked rolled back and is no longer offered as the last good version.`);
    expect(comment).toContain("| staging | `bbbbbbb` | ❌ failure · ↩️ rolled back |");
    expect(comment).toContain(`| staging | \`${SHORT}\` | ✅ success (rollback) |`);
  });

  it("moves the previous outcome into the comment's earlier outcomes, newest first, keeping 15", async () => {
    const older = Array.from({ length: 20 }, (_, i) => `- 2026-11-2${i % 10}T08:00:00Z · older outcome ${i}`);
    const previous = ["<!-- shipline:pull-request -->", "### Shipline", "", "<!-- shipline:latest 2026-11-23T09:00:00Z -->", "🚀 (`deploy`) bob: Deploying to staging.", "", "<!-- shipline:earlier -->", ...older, "<!-- /shipline:earlier -->"].join("\n");
    answer({ pull: { ...PULL, commentId: 450, commentBody: previous }, comment: "update", config: MANUAL });
    await receive(statusEvent("success", { environment: "staging" }));
    const body = (request("PATCH", "/issues/comments/450")!.body as { body: string }).body;
    const listed = body.slice(body.indexOf("<!-- shipline:earlier -->"), body.indexOf("<!-- /shipline:earlier -->")).split("\n").filter((l) => l.startsWith("- "));
    expect(listed).toEqual(["- 2026-11-23T09:00:00Z · 🚀 (`deploy`) bob: Deploying to staging.", ...older.slice(0, 14)]);
    // The latest outcome names what it answers (this deployment's success): a re-run replaces it.
    expect(body).toContain(`<!-- shipline:latest ${EXAMPLE.deployment_status.created_at} status:${EXAMPLE.deployment.id}:success -->\n✅ **\`${SHORT}\` is live on staging**`);
  });

  describe("release notes after a production success (release_notes.enabled)", () => {
    const NOTES = `${MANUAL}release_notes:\n  enabled: true\n  publish: release\n`;
    const BASE = "b".repeat(40);
    const node = (oid: string, message: string, pr: number | null) => ({
      oid,
      message,
      committedDate: "2026-11-20T08:00:00Z",
      author: { name: "alice", user: { login: "alice" } },
      associatedPullRequests: { nodes: pr ? [{ number: pr, title: message.replace(/ \(#\d+\)$/, ""), body: "", mergedAt: "2026-11-23T08:00:00Z", authorAssociation: "CONTRIBUTOR", author: { login: "alice" }, labels: { nodes: [] }, repository: { nameWithOwner: "Codertocat/Hello-World" } }] : [] },
    });
    const notesRequests = () => {
      graphqlOperation("ShiplineReleaseRange", { owner: "Codertocat", repo: "Hello-World", environment: "production", head: SHA, withFrom: false }).reply(200, { data: { repository: { head: { oid: SHA, committedDate: "2026-11-23T08:00:00Z" }, deployments: { nodes: [{ databaseId: 5, commitOid: BASE, task: "deploy", statuses: { nodes: [{ state: "SUCCESS" }] } }] }, tags: { nodes: [{ name: "v1.2.3", target: { oid: "c".repeat(40) } }] } } } });
      graphqlOperation("ShiplineHistory", { head: SHA }).reply(200, { data: { repository: { object: { p0: { pageInfo: { hasNextPage: true }, nodes: [node(SHA, "feat: vouchers (#7)", 7), node(BASE, "older", null)] } } } } });
      graphqlOperation("ShiplineNewcomers", { q0: `repo:Codertocat/Hello-World is:pr is:merged author:alice merged:<=2026-11-20T08:00:00Z` }).reply(200, { data: { a0: { issueCount: 4 } } });
    };

    it("writes them from the last production deployment, publishes the release once, and folds them into the comment", async () => {
      answer({ config: NOTES, checkRun: 31 });
      notesRequests();
      github().get(`${REPO}/releases`).query({ per_page: 100 }).reply(200, []);
      github().post(`${REPO}/releases`).reply(201, { id: 88, tag_name: "v1.3.0", html_url: "https://github.com/Codertocat/Hello-World/releases/tag/v1.3.0" });
      await receive(statusEvent("success", { environment: "production" }));
      expect(request("POST", "/releases")!.body).toEqual({
        tag_name: "v1.3.0",
        target_commitish: SHA,
        name: "v1.3.0",
        draft: false,
        body: [
          "## v1.3.0",
          "",
          `Deployed to **production**: \`bbbbbbb\`…\`${SHORT}\`, 1 commit, 1 pull request. Since \`bbbbbbb\`, the last successful deployment of production (deployment 5).`,
          "",
          "### 🚀 Features",
          "",
          "- vouchers (#7) by @alice",
          "",
          `**Full changelog**: https://github.com/Codertocat/Hello-World/compare/${BASE}...${SHA}`,
          "",
          "<!-- shipline:release v1.3.0 -->",
        ].join("\n"),
      });
      const comment = (request("POST", "/issues/7/comments")!.body as { body: string }).body;
      expect(comment).toContain("Release notes: [`v1.3.0`](https://github.com/Codertocat/Hello-World/releases/tag/v1.3.0) (created).");
      expect(comment).toContain("<details><summary>📝 Release notes v1.3.0</summary>\n\n## v1.3.0");
    });

    it("says so in the comment, and still reports the deployment, when the notes cannot be written", async () => {
      answer({ config: NOTES, checkRun: 31 });
      github().post("/graphql").reply(502, { message: "Server Error" });
      await receive(statusEvent("success", { environment: "production" }));
      expect((request("POST", "/issues/7/comments")!.body as { body: string }).body).toContain(`✅ **\`${SHORT}\` is live on production**`);
      expect((request("POST", "/issues/7/comments")!.body as { body: string }).body).toContain("Release notes could not be written:");
      expect(request("POST", "/releases")).toBeUndefined();
    });

    it("writes none for a staging success, a rollback, or a failure", async () => {
      answer({ config: NOTES, checkRun: 31 });
      await receive(statusEvent("success", { environment: "staging" }));
      answer({ config: NOTES, checkRun: 31 });
      await receive(statusEvent("success", { environment: "production", task: "deploy:rollback", shipline: { replaces: BASE } }));
      answer({ config: NOTES, checkRun: 31 });
      await receive(statusEvent("failure", { environment: "production" }));
      expect(seen.filter((r) => r.path.includes("/releases"))).toEqual([]);
      expect(seen.filter((r) => r.path === "/graphql")).toHaveLength(3);
    });
  });

  it("writes no comment for a deployment without a pull request (a direct push)", async () => {
    answer({ comment: "none", pull: null, config: MANUAL });
    await receive(statusEvent("success", { environment: "staging", shipline: { pr: null } }));
    expect(seen.map(route)).toEqual(["POST /app/installations/1/access_tokens", "POST /graphql", `GET ${REPO}/commits/${SHA}/check-runs`, `PATCH ${REPO}/check-runs/31`]);
  });

  it("does nothing but log when the config on the default branch is broken", async () => {
    mockInstallationToken();
    factsQuery(PULL.number).reply(200, { data: factsData({ config: "stages: 3\n", pull: PULL }) });
    await receive(statusEvent("failure", { environment: "staging" }));
    expect(seen.map(route)).toEqual(["POST /app/installations/1/access_tokens", "POST /graphql"]);
  });
});

describe("held promotions: the next stage's gates, on every plan (app/lifecycle.ts)", () => {
  const GATED = "stages:\n  - environment: staging\n    auto: true\n  - environment: production\n    auto: true\n    production: true\n    checks: [ci/test]\n";
  const APPROVED = `${GATED}    approvals: { count: 1, from: ["@acme/release-managers"] }\n`;
  let seen: SeenRequest[];
  beforeEach(() => {
    seen = resetRequests();
  });
  const receive = (payload: unknown) => testProbot().receive({ id: "h1", name: "deployment_status", payload: payload as any });
  const answer = (config: string, o: FactsOptions = {}) => {
    mockInstallationToken();
    factsQuery(PULL.number, undefined, SHA).reply(200, { data: factsData({ config, pull: PULL, ...o }) });
    github().get(`${REPO}/commits/${SHA}/check-runs`).query(true).reply(200, { total_count: 1, check_runs: [{ id: 31, name: "Shipline" }] });
    github().patch(`${REPO}/check-runs/31`).reply(200, { id: 31 });
    // Shipline's comment: edited when the facts found it, else written.
    if (o.pull && "commentId" in o.pull && o.pull.commentByViewer !== false) github().patch(`${REPO}/issues/comments/${o.pull.commentId}`).reply(200, { id: o.pull.commentId });
    else github().post(`${REPO}/issues/7/comments`).reply(201, { id: 500 });
  };
  const patched = () => seen.find((r) => r.method === "PATCH" && r.path.endsWith("/check-runs/31"))!.body as { actions: Array<{ identifier: string }>; output: { summary: string } };

  it("creates nothing while a required check fails on the SHA, and says which gate holds", async () => {
    answer(GATED, { commitChecks: [["ci/test", "completed", "failure"]] });
    await receive(statusEvent("success", { environment: "staging" }));
    expect(seen.some((r) => r.method === "POST" && r.path.endsWith("/deployments"))).toBe(false);
    expect(patched().output.summary).toContain("Promotion to production is held by the checks gate (`gate_checks`): Required checks failed: \\`ci/test\\`.");
    // No Deploy button for a stage whose gate is closed; the rollback stays.
    expect(patched().actions.map((a) => a.identifier)).toEqual(["rollback:0"]);
    expect((seen.find((r) => r.method === "POST" && r.path.endsWith("/comments"))!.body as { body: string }).body).toContain("(`gate_checks`)");
  });

  it("waits for an approval with the Approve button, which names the pull request", async () => {
    answer(APPROVED, { commitChecks: [["ci/test", "completed", "success"]] });
    await receive(statusEvent("success", { environment: "staging" }));
    expect(seen.some((r) => r.method === "POST" && r.path.endsWith("/deployments"))).toBe(false);
    expect(patched().output.summary).toContain("held by the approval gate (`waiting_approval`): Waiting for 1 approval from @\u200bacme/release-managers");
    expect(patched().actions.map((a) => a.identifier)).toEqual(["approve:1:7", "rollback:0"]);
  });

  it("promotes once the approval is recorded in Shipline's own comment, and not for one in anyone else's", async () => {
    const marker = `<!-- shipline:approval production ${SHA} carol 2026-12-07T00:00:00Z -->`;
    answer(APPROVED, { commitChecks: [["ci/test", "completed", "success"]], pull: { ...PULL, commentId: 450, commentBody: `<!-- shipline:pull-request -->\n${marker}`, commentByViewer: false } });
    await receive(statusEvent("success", { environment: "staging" }));
    expect(seen.some((r) => r.method === "POST" && r.path.endsWith("/deployments"))).toBe(false);

    seen = resetRequests();
    answer(APPROVED, { commitChecks: [["ci/test", "completed", "success"]], pull: { ...PULL, commentId: 450, commentBody: `<!-- shipline:pull-request -->\n${marker}` } });
    github().post(`${REPO}/deployments`).reply(201, { id: 900, sha: SHA, environment: "production", task: "deploy", payload: {} });
    await receive(statusEvent("success", { environment: "staging" }));
    expect(seen.find((r) => r.method === "POST" && r.path.endsWith("/deployments"))!.body).toMatchObject({ ref: SHA, environment: "production" });
  });

  it("never promotes a commit older than what the next stage runs: one compare, only then", async () => {
    answer(GATED, { commitChecks: [["ci/test", "completed", "success"]], deployments: [deploymentNode({ id: 5, sha: GOOD, environment: "production" })] });
    github().get(`${REPO}/compare/${SHA}...${GOOD}`).query(true).reply(200, { status: "ahead", ahead_by: 3, behind_by: 0, total_commits: 3, commits: [], files: [] });
    await receive(statusEvent("success", { environment: "staging" }));
    expect(seen.some((r) => r.method === "POST" && r.path.endsWith("/deployments"))).toBe(false);
    expect(patched().output.summary).toContain(`held by the outdated gate (\`outdated\`): ${SHORT} is older than what production runs (aaaaaaa): promoting it would take away 3 commits.`);
  });
});
