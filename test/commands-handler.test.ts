import { beforeEach, describe, expect, it, vi } from "vitest";
import { examplesOf, withInstallation } from "./helpers/examples.js";
import { deploymentNode, factsData, type FactsOptions } from "./helpers/facts.js";
import { github, mockInstallationToken, resetRequests, testProbot, type SeenRequest, factsQuery } from "./helpers/probot.js";

const REPO = "/repos/Codertocat/Hello-World";
const HEAD = "e".repeat(40);
const MERGE = "9".repeat(40);
const OLD = "a".repeat(40);
const CONFIG = "stages:\n  - environment: staging\n    auto: true\n  - environment: production\n    production: true\n";

/** A real `issue_comment.created` example, on a pull request (GitHub adds `issue.pull_request`). */
function commentOnPullRequest(body: string, overrides: { sender?: Record<string, unknown>; created_at?: string } = {}) {
  const payload = withInstallation(examplesOf("issue_comment").find((e) => e.action === "created")!);
  payload.comment.body = body;
  if (overrides.created_at) payload.comment.created_at = overrides.created_at;
  if (overrides.sender) {
    payload.sender = { ...payload.sender, ...overrides.sender };
    payload.comment.user = { ...payload.comment.user, ...overrides.sender };
  }
  payload.issue.pull_request = {
    url: "https://api.github.com/repos/Codertocat/Hello-World/pulls/1",
    html_url: "https://github.com/Codertocat/Hello-World/pull/1",
    diff_url: "https://github.com/Codertocat/Hello-World/pull/1.diff",
    patch_url: "https://github.com/Codertocat/Hello-World/pull/1.patch",
    merged_at: null,
  };
  return payload;
}

const COMMENT_ID = examplesOf("issue_comment").find((e) => e.action === "created")!.comment.id as number;

interface Setup {
  facts?: FactsOptions;
  role?: string | null;
}

/** The requests every command starts with: token, reaction, facts, and the commenter's role. */
function start({ facts = {}, role = "admin" }: Setup) {
  mockInstallationToken();
  // A green CI run on the head unless the test says otherwise: the checks gate reads it.
  const pull = facts.pull === undefined ? {} : facts.pull;
  if (pull && pull.headChecks === undefined) facts = { ...facts, pull: { ...pull, headChecks: [["ci/test", "completed", "success"]] } };
  github().post(`${REPO}/issues/comments/${COMMENT_ID}/reactions`, { content: "eyes" }).reply(201, { id: 1, content: "eyes" });
  factsQuery(1).reply(200, { data: factsData({ config: CONFIG, pull: {}, ...facts }) });
  if (role) github().get(`${REPO}/collaborators/Codertocat/permission`).reply(200, { permission: role === "maintain" ? "write" : role, role_name: role, user: { login: "Codertocat" } });
}

function answers() {
  github().post(`${REPO}/issues/1/comments`).reply(201, { id: 555 });
  github().post(`${REPO}/check-runs`).reply(201, { id: 77 });
}

const deployed = (id: number, sha = HEAD, environment = "staging") => ({ id, sha, ref: sha, environment, task: "deploy", payload: {} });
const route = (r: SeenRequest) => `${r.method} ${r.path}`;

async function receive(payload: unknown) {
  await testProbot().receive({ id: "c1", name: "issue_comment", payload: payload as any });
}

describe("PR comment commands (app/commands.ts)", () => {
  let seen: SeenRequest[];
  beforeEach(() => {
    seen = resetRequests();
  });

  it("ignores every real issue_comment example (issues, edited, deleted) with zero requests, commands included", async () => {
    const all = examplesOf("issue_comment");
    expect(all.map((e) => e.action).sort()).toEqual(["created", "created", "created", "created", "created", "deleted", "deleted", "edited", "edited"]);
    for (const example of all) {
      await receive(withInstallation(example));
      await receive(withInstallation({ ...example, comment: { ...example.comment, body: "/deploy production" } }));
    }
    expect(seen).toEqual([]);
  });

  it("ignores edited and deleted commands on pull requests, with zero requests", async () => {
    for (const action of ["edited", "deleted"]) {
      const payload = { ...commentOnPullRequest("/deploy production"), action, changes: { body: { from: "LGTM" } } };
      await receive(payload);
    }
    expect(seen).toEqual([]);
  });

  it.each(["LGTM, ship it", "Please /deploy production", "```\n/deploy production\n```", ""])("spends zero requests on a comment that is not a command: %j", async (body) => {
    await receive(commentOnPullRequest(body));
    expect(seen).toEqual([]);
  });

  it("ignores commands written by bots, this app's own included", async () => {
    await receive(commentOnPullRequest("/deploy production", { sender: { login: "shipline[bot]", type: "Bot" } }));
    await receive(commentOnPullRequest("/deploy", { sender: { login: "dependabot[bot]", type: "Bot" } }));
    expect(seen).toEqual([]);
  });

  it("deploys the PR head SHA to staging in 7 requests: reaction, facts, permission, deployment, head check, comment, check run", async () => {
    start({ role: "write" });
    github().post(`${REPO}/deployments`).reply(201, deployed(900));
    github().get(`${REPO}/pulls/1`).reply(200, { number: 1, head: { sha: HEAD } });
    answers();
    await receive(commentOnPullRequest("/deploy staging\nthanks!"));

    expect(seen.map(route)).toEqual([
      "POST /app/installations/1/access_tokens",
      `POST ${REPO}/issues/comments/${COMMENT_ID}/reactions`,
      "POST /graphql",
      `GET ${REPO}/collaborators/Codertocat/permission`,
      `POST ${REPO}/deployments`,
      `GET ${REPO}/pulls/1`,
      `POST ${REPO}/issues/1/comments`,
      `POST ${REPO}/check-runs`,
    ]);
    expect(seen[4]!.body).toEqual({
      ref: HEAD,
      task: "deploy",
      environment: "staging",
      description: "Shipline: eeeeeee to staging (/deploy by Codertocat)",
      production_environment: false,
      transient_environment: false,
      payload: { shipline: { trigger: "command", actor: "Codertocat", pr: 1, stage: 0, source: `comment:${COMMENT_ID}` } },
      auto_merge: false,
      required_contexts: [],
    });
    const comment = (seen[6]!.body as { body: string }).body;
    expect(comment).toContain("<!-- shipline:pull-request -->");
    expect(comment).toContain("🚀 (`deploy`) Codertocat: Deploying eeeeeee to staging. Deployment 900 was created.");
    expect(comment).toContain("| staging | `eeeeeee` | ⏳ queued | Codertocat |");
    expect(seen[7]!.body).toMatchObject({ name: "Shipline", head_sha: HEAD, conclusion: "neutral", external_id: "deployment:900", output: { title: "Deploying eeeeeee to staging." } });
  });

  it("records an admin's --override-freeze in the deployment payload, for the freeze gate", async () => {
    start({ role: "admin" });
    github().post(`${REPO}/deployments`).reply(201, deployed(913));
    github().get(`${REPO}/pulls/1`).reply(200, { number: 1, head: { sha: HEAD } });
    answers();
    await receive(commentOnPullRequest("/deploy staging --override-freeze"));
    expect(seen.find((r) => route(r) === `POST ${REPO}/deployments`)!.body).toMatchObject({ payload: { shipline: { override_freeze: true } } });
  });

  it("never sends a bare /deploy to a production stage, even when it is the next one (naked_command)", async () => {
    start({ facts: { pull: { approvals: 1 }, deployments: [deploymentNode({ id: 800, sha: HEAD, environment: "staging" })] } });
    answers();
    await receive(commentOnPullRequest("/deploy"));
    expect(seen.some((r) => route(r) === `POST ${REPO}/deployments`)).toBe(false);
    expect((seen.find((r) => route(r) === `POST ${REPO}/issues/1/comments`)!.body as { body: string }).body).toContain(
      "(`naked_command`) for Codertocat: A bare \\`/deploy\\` never deploys to production, a production stage; name it: \\`/deploy production\\`.",
    );
  });

  it("edits Shipline's existing comment in place instead of adding one", async () => {
    start({ facts: { pull: { commentId: 4242 } } });
    github().post(`${REPO}/deployments`).reply(201, deployed(902));
    github().get(`${REPO}/pulls/1`).reply(200, { number: 1, head: { sha: HEAD } });
    github().patch(`${REPO}/issues/comments/4242`).reply(200, { id: 4242 });
    github().post(`${REPO}/check-runs`).reply(201, { id: 78 });
    await receive(commentOnPullRequest("/deploy staging"));
    expect(seen.some((r) => route(r) === `POST ${REPO}/issues/1/comments`)).toBe(false);
  });

  it("finishes, without refusing or duplicating, a command delivered again a minute after its deployment was made", async () => {
    // A realistic redelivery: the deployment this command made a minute ago is still queued.
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-11-23T08:01:00Z") });
    try {
      start({ facts: { deployments: [deploymentNode({ id: 903, sha: HEAD, environment: "staging", state: "QUEUED", createdAt: "2026-11-23T08:00:00Z", shipline: { source: `comment:${COMMENT_ID}` } })] } });
      answers();
      await receive(commentOnPullRequest("/deploy staging", { created_at: "2026-11-23T07:59:58Z" }));
    } finally {
      vi.useRealTimers();
    }
    expect(seen.some((r) => route(r) === `POST ${REPO}/deployments`)).toBe(false);
    const comment = seen.find((r) => route(r) === `POST ${REPO}/issues/1/comments`)!.body as { body: string };
    expect(comment.body).toContain("🚀 (`deploy`) Codertocat:");
    expect(comment.body).toContain("Deployment 903 was created.");
    expect(comment.body).not.toContain("Refused");
    expect(seen.find((r) => route(r) === `POST ${REPO}/check-runs`)!.body).toMatchObject({ head_sha: HEAD, external_id: "deployment:903" });
  });

  it("completes the comment and the check run a crashed run of the same command wrote, instead of adding new ones", async () => {
    // The first run made deployment 904, wrote its outcome into the comment and its check run, then died.
    const previous = ["<!-- shipline:pull-request -->", "### Shipline", "", `<!-- shipline:latest 2026-11-23T08:00:00Z comment:${COMMENT_ID} -->`, "🚀 (`deploy`) Codertocat: first run's words", "", "**Earlier**, newest first:", "", "<!-- shipline:earlier -->", "- 2026-11-23T07:00:00Z · an older outcome", "<!-- /shipline:earlier -->", ""].join("\n");
    start({ facts: { pull: { commentId: 4242, commentBody: previous }, deployments: [deploymentNode({ id: 904, sha: HEAD, environment: "staging", state: "QUEUED", createdAt: "2026-11-23T08:00:00Z", shipline: { source: `comment:${COMMENT_ID}` } })] } });
    github().patch(`${REPO}/issues/comments/4242`).reply(200, { id: 4242 });
    github()
      .get(`${REPO}/commits/${HEAD}/check-runs`)
      .query(true)
      .reply(200, { total_count: 1, check_runs: [{ id: 79, name: "Shipline", head_sha: HEAD, external_id: "deployment:904", status: "completed", conclusion: "neutral", output: { title: "t", summary: "s" }, app: { id: 1 } }] });
    github().patch(`${REPO}/check-runs/79`).reply(200, { id: 79 });
    await receive(commentOnPullRequest("/deploy staging"));
    expect(seen.map(route).filter((r) => r.startsWith("POST") && !r.includes("access_tokens") && !r.includes("reactions") && r !== "POST /graphql")).toEqual([]);
    const body = (seen.find((r) => route(r) === `PATCH ${REPO}/issues/comments/4242`)!.body as { body: string }).body;
    // Its own earlier line is replaced, not pushed down into "Earlier"; the older outcome stays.
    expect(body).not.toContain("first run's words");
    expect(body).toContain("- 2026-11-23T07:00:00Z · an older outcome");
    expect(body).toContain(`<!-- shipline:latest `);
    expect(body).toContain(` comment:${COMMENT_ID} -->`);
  });

  it("deploys a merged PR's merge commit, not its head", async () => {
    start({ facts: { pull: { state: "MERGED", merged: true, mergeCommit: MERGE }, deployments: [deploymentNode({ id: 850, sha: MERGE, environment: "staging" })] } });
    github().post(`${REPO}/deployments`).reply(201, deployed(904, MERGE, "production"));
    answers();
    await receive(commentOnPullRequest("/deploy production"));
    expect(seen.find((r) => route(r) === `POST ${REPO}/deployments`)!.body).toMatchObject({ ref: MERGE, environment: "production" });
    // Nothing can move a merge commit: no head re-check.
    expect(seen.some((r) => route(r) === `GET ${REPO}/pulls/1`)).toBe(false);
  });

  it("--dry-run runs every check and creates nothing", async () => {
    start({});
    answers();
    await receive(commentOnPullRequest("/deploy staging --dry-run"));
    expect(seen.some((r) => r.path.endsWith("/deployments"))).toBe(false);
    expect((seen.find((r) => r.path.endsWith("/comments"))!.body as { body: string }).body).toContain(
      "🧪 **Dry run** (`dry_run`) for Codertocat: Would deploy eeeeeee to staging. ✅ checks: Required checks are green: \\`ci/test\\`. ✅ freeze: staging is not in a freeze window. ✅ soak: No soak time before this stage.",
    );
  });

  it("--dry-run asks every gate, and reports each answer when one holds", async () => {
    start({ facts: { config: "stages:\n  - environment: staging\n    freeze:\n      - { from: 2020-01-01, to: 2100-01-01, timezone: UTC }\n", pull: { headChecks: [["ci/test", "in_progress", null]] } } });
    answers();
    await receive(commentOnPullRequest("/deploy staging --dry-run"));
    expect(seen.some((r) => r.path.endsWith("/deployments"))).toBe(false);
    const body = (seen.find((r) => r.path.endsWith("/comments"))!.body as { body: string }).body;
    expect(body).toContain("(`gate_freeze`) for Codertocat: eeeeeee would not deploy to staging now. ⏳ checks: Waiting for required checks (running: \\`ci/test\\`). ⛔ freeze: staging is frozen until 2100-01-01 00:00 UTC. ✅ soak: No soak time before this stage.");
  });

  it("refuses a merged commit older than what the environment runs (outdated), naming what it would take away", async () => {
    const NEWER = "b".repeat(40);
    start({ facts: { pull: { state: "MERGED", merged: true, mergeCommit: MERGE }, deployments: [deploymentNode({ id: 860, sha: NEWER, environment: "staging" })] } });
    github().get(`${REPO}/compare/${MERGE}...${NEWER}`).query(true).reply(200, { status: "ahead", ahead_by: 3, behind_by: 0 });
    answers();
    await receive(commentOnPullRequest("/deploy staging"));
    expect(seen.some((r) => route(r) === `POST ${REPO}/deployments`)).toBe(false);
    expect((seen.find((r) => r.path.endsWith("/comments"))!.body as { body: string }).body).toContain(
      "(`outdated`) for Codertocat: 9999999 is older than what staging runs (bbbbbbb): deploying it would take away 3 commits. Use \\`/rollback staging to 9999999\\` to go back on purpose.",
    );
  });

  it("/help lists commands and environments without a permission look-up", async () => {
    start({ role: null });
    github().post(`${REPO}/issues/1/comments`).reply(201, { id: 556 });
    await receive(commentOnPullRequest("/help"));
    const body = (seen.at(-1)!.body as { body: string }).body;
    expect(body).toContain("| `/deploy [env] --dry-run` |");
    expect(body).toContain("| `production` | maintain or above | on command | needs approval and green checks |");
    expect(seen.some((r) => r.path.includes("/permission"))).toBe(false);
  });

  it("with no config file in the repository, reads only the organisation's .github (one request)", async () => {
    mockInstallationToken();
    github().post(`${REPO}/issues/comments/${COMMENT_ID}/reactions`).reply(201, { id: 1 });
    factsQuery(1).reply(200, { data: factsData({ config: null, pull: {} }) });
    github().get("/repos/Codertocat/.github/contents/.github%2Fshipline.yml").reply(404, { message: "Not Found" });
    github().get(`${REPO}/collaborators/Codertocat/permission`).reply(200, { permission: "write", role_name: "write" });
    github().post(`${REPO}/deployments`).reply(201, deployed(912));
    github().get(`${REPO}/pulls/1`).reply(200, { number: 1, head: { sha: HEAD } });
    answers();
    await receive(commentOnPullRequest("/deploy staging"));
    expect(seen.filter((r) => r.path.includes("/contents/")).map(route)).toEqual(["GET /repos/Codertocat/.github/contents/.github/shipline.yml"]);
    expect(seen).toHaveLength(9); // token + 8
  });

  it("follows `_extends` through Probot's loader when the repository's file has one", async () => {
    mockInstallationToken();
    github().post(`${REPO}/issues/comments/${COMMENT_ID}/reactions`).reply(201, { id: 1 });
    factsQuery(1).reply(200, { data: factsData({ config: "_extends: .github\n", pull: {} }) });
    github().get(`${REPO}/contents/.github%2Fshipline.yml`).query({ ref: "master" }).reply(200, "_extends: .github\n", { "content-type": "application/vnd.github.raw; charset=utf-8" });
    github()
      .get("/repos/Codertocat/.github/contents/.github%2Fshipline.yml")
      .reply(200, "stages:\n  - environment: qa\n  - environment: live\n    production: true\n", { "content-type": "application/vnd.github.raw; charset=utf-8" });
    github().post(`${REPO}/issues/1/comments`).reply(201, { id: 560 });
    await receive(commentOnPullRequest("/help"));
    expect((seen.at(-1)!.body as { body: string }).body).toContain("| `live` | maintain or above | on command |");
  });

  describe("refusals: a reason code in the comment and in the check run, and nothing deployed", () => {
    const refused = async (body: string, setup: Setup, reasonCode: string, sentence: string) => {
      start(setup);
      answers();
      await receive(commentOnPullRequest(body, setup.facts?.pull?.headCommittedAt ? { created_at: "2019-05-15T15:20:21Z" } : {}));
      expect(seen.some((r) => route(r) === `POST ${REPO}/deployments`)).toBe(false);
      const comment = (seen.find((r) => route(r) === `POST ${REPO}/issues/1/comments`)!.body as { body: string }).body;
      expect(comment).toContain(`⛔ **Refused** (\`${reasonCode}\`) for Codertocat: ${sentence}`);
      expect(seen.find((r) => route(r) === `POST ${REPO}/check-runs`)!.body).toMatchObject({ head_sha: HEAD, conclusion: "neutral", output: { title: `Refused: ${reasonCode}` } });
    };

    it("permission_denied: only an admin overrides a freeze", () =>
      refused("/deploy staging --override-freeze", { role: "maintain" }, "permission_denied", "Only an admin can deploy through a freeze window (--override-freeze); Codertocat has maintain."));
    it("permission_denied: a reader cannot deploy to staging", () =>
      refused("/deploy staging", { role: "read" }, "permission_denied", "Deploying to staging needs the write permission; Codertocat has read."));
    it("permission_denied: write is not enough for production (maintain by default)", () =>
      refused("/deploy production", { role: "write", facts: { pull: { approvals: 1 } } }, "permission_denied", "Deploying to production needs the maintain permission; Codertocat has write."));
    it("locked: someone else holds the environment", () =>
      refused("/deploy staging", { facts: { locks: [{ environment: "staging", holder: "carol", reason: "incident", since: "2026-11-23T07:00:00Z" }] } }, "locked", "staging is locked by carol since 2026-11-23T07:00:00Z: incident."));
    it("commit_after_command: a commit is newer than the comment", () =>
      refused("/deploy staging", { facts: { pull: { headCommittedAt: "2019-05-15T15:30:00Z" } } }, "commit_after_command", "A commit (eeeeeee) was pushed after the command was written"));
    it("fork_denied: pull requests from forks, unless allowed", () =>
      refused("/deploy staging", { facts: { pull: { isCrossRepository: true } } }, "fork_denied", "Pull requests from forks cannot run commands here"));
    it("not_approved: production from an unmerged PR needs an approval", () =>
      refused("/deploy production", { facts: { pull: { approvals: 0 } } }, "not_approved", "production takes an unmerged pull request only once it is approved."));
    it("checks_failing: production from an unmerged PR needs green checks", () =>
      refused("/deploy production", { facts: { pull: { approvals: 1, checks: "FAILURE" } } }, "checks_failing", "production takes an unmerged pull request only with its checks green; they are failure on eeeeeee."));
    it("deploy_in_progress: another deployment of the environment is still running", () =>
      refused(
        "/deploy staging",
        { facts: { deployments: [deploymentNode({ id: 700, sha: OLD, environment: "staging", state: "IN_PROGRESS", createdAt: new Date(Date.now() - 60_000).toISOString(), logUrl: "https://ci.example/run/1" })] } },
        "deploy_in_progress",
        "Deployment 700 of aaaaaaa to staging is still in\\_progress; wait for it to finish. [log](https://ci.example/run/1)",
      ));
    it("pr_base_not_default: a pull request into another branch", () =>
      refused("/deploy staging", { facts: { pull: { baseRef: "release/1.x" } } }, "pr_base_not_default", "Pull request #1 merges into \\`release/1.x\\`, not \\`master\\`; only pull requests into the default branch deploy."));
    it("order: production takes only what succeeded in staging", () =>
      refused("/deploy production", { facts: { pull: { approvals: 1 } } }, "order", "eeeeeee has not succeeded in staging, the stage before production; deploy it there first."));
    it("gate_checks: a required check failed on the SHA", () =>
      refused("/deploy staging", { facts: { pull: { headChecks: [["ci/test", "completed", "failure"], ["Shipline", "completed", "neutral"]] } } }, "gate_checks", "Required checks failed: \\`ci/test\\`."));
    it("gate_checks: a required check is still running (named checks only)", () =>
      refused(
        "/deploy staging",
        { facts: { config: "stages:\n  - environment: staging\n    checks: [build]\n  - environment: production\n    production: true\n", pull: { headChecks: [["build", "in_progress", null], ["lint", "completed", "failure"]] } } },
        "gate_checks",
        "Waiting for required checks (running: \\`build\\`).",
      ));
    it("gate_freeze: staging is in a freeze window", () =>
      refused(
        "/deploy staging",
        { facts: { config: "stages:\n  - environment: staging\n    freeze:\n      - { from: 2020-01-01, to: 2100-01-01, timezone: UTC, reason: audit }\n" } },
        "gate_freeze",
        "staging is frozen (audit) until 2100-01-01 00:00 UTC.",
      ));
    it("gate_soak: production waits for staging's soak", () =>
      refused(
        "/deploy production",
        {
          facts: {
            config: "stages:\n  - environment: staging\n    soak: 100000h\n  - environment: production\n    production: true\n",
            pull: { approvals: 1 },
            deployments: [deploymentNode({ id: 852, sha: HEAD, environment: "staging" })],
          },
        },
        "gate_soak",
        "Soaking in staging:",
      ));
    it("behind: a stage that takes only an up-to-date head, and a head that lacks the default branch's tip", async () => {
      github().get(`${REPO}/compare/${"d".repeat(40)}...${HEAD}`).query(true).reply(200, { status: "diverged", ahead_by: 1, behind_by: 2 });
      await refused(
        "/deploy staging",
        { facts: { config: "stages:\n  - environment: staging\n    require_up_to_date: true\n" } },
        "behind",
        "Pull request #1 lacks 2 commits of \\`master\\`, and staging takes only an up-to-date head: update the branch and comment again.",
      );
    });
    it("pr_closed: a closed, unmerged pull request", () => refused("/deploy staging", { facts: { pull: { state: "CLOSED" } } }, "pr_closed", "Pull request #1 was closed without being merged"));
    it("nothing_to_roll_back: no earlier successful deployment", () =>
      refused("/rollback staging", { facts: { deployments: [deploymentNode({ id: 701, sha: HEAD, environment: "staging" })] } }, "nothing_to_roll_back", "staging has no earlier successful deployment to roll back to."));
    it("bad_command: an unknown environment lists the real ones", () =>
      refused("/deploy prod", { role: null }, "bad_command", "\\`prod\\` is not an environment. Usage: \\`/deploy \\[environment\\] \\[--dry-run\\]\\`; environments: \\`staging\\`, \\`production\\`."));
    it("not_locked: /unlock of a free environment", () => refused("/unlock staging", {}, "not_locked", "staging is not locked."));
    it("permission_denied: /unlock by someone who neither holds the lock nor is admin", () =>
      refused("/unlock staging", { role: "maintain", facts: { locks: [{ environment: "staging", holder: "carol" }] } }, "permission_denied", "Only carol (who holds the lock) or an admin can unlock staging."));
  });

  it("already_deployed: a bare /deploy when the head is live in every stage", async () => {
    start({
      facts: {
        deployments: [deploymentNode({ id: 801, sha: HEAD, environment: "staging" }), deploymentNode({ id: 802, sha: HEAD, environment: "production" })],
      },
    });
    answers();
    await receive(commentOnPullRequest("/deploy"));
    expect(seen.some((r) => route(r) === `POST ${REPO}/deployments`)).toBe(false);
    expect((seen.find((r) => r.path.endsWith("/issues/1/comments"))!.body as { body: string }).body).toContain("(`already_deployed`) for Codertocat: eeeeeee is already live in every stage.");
  });

  it("ref_changed: the head moved between the check and the deployment; the deployment is marked error", async () => {
    start({});
    github().post(`${REPO}/deployments`).reply(201, deployed(905));
    github().get(`${REPO}/pulls/1`).reply(200, { number: 1, head: { sha: "b".repeat(40) } });
    github().post(`${REPO}/deployments/905/statuses`, { state: "error", description: "Shipline refused it: ref_changed" }).reply(201, { id: 1 });
    answers();
    await receive(commentOnPullRequest("/deploy staging"));
    const comment = (seen.find((r) => r.path.endsWith("/issues/1/comments"))!.body as { body: string }).body;
    expect(comment).toContain("(`ref_changed`)");
    expect(comment).toContain("head moved to bbbbbbb");
  });

  it("sha_mismatch: GitHub returned a deployment of another commit; it is marked error", async () => {
    start({});
    github().post(`${REPO}/deployments`).reply(201, deployed(906, "c".repeat(40)));
    github().post(`${REPO}/deployments/906/statuses`, { state: "error", description: "Shipline refused it: sha_mismatch" }).reply(201, { id: 2 });
    answers();
    await receive(commentOnPullRequest("/deploy staging"));
    expect((seen.find((r) => r.path.endsWith("/issues/1/comments"))!.body as { body: string }).body).toContain("(`sha_mismatch`)");
  });

  it("config_invalid: a broken config on the default branch answers with its problems", async () => {
    start({ role: null, facts: { config: "stages:\n  - environment: staging\n    soak: soon\n" } });
    answers();
    await receive(commentOnPullRequest("/deploy staging"));
    const body = (seen.find((r) => r.path.endsWith("/issues/1/comments"))!.body as { body: string }).body;
    expect(body).toContain("(`config_invalid`)");
    expect(body).toContain("`stages[0].soak`: expected a duration like `30m`, `2h` or `1h30m`; found `\"soon\"`.");
  });

  describe("/rollback", () => {
    const history = [
      deploymentNode({ id: 600, sha: OLD, environment: "production", statuses: ["IN_PROGRESS", "SUCCESS"] }),
      deploymentNode({ id: 610, sha: "b".repeat(40), environment: "production", statuses: ["IN_PROGRESS", "SUCCESS"] }),
    ];

    it("redeploys the last good SHA as task deploy:rollback, naming what it replaces", async () => {
      start({ facts: { deployments: history } });
      github().post(`${REPO}/deployments`).reply(201, { ...deployed(907, OLD, "production"), task: "deploy:rollback" });
      answers();
      await receive(commentOnPullRequest("/rollback production"));
      expect(seen.find((r) => route(r) === `POST ${REPO}/deployments`)!.body).toMatchObject({
        ref: OLD,
        task: "deploy:rollback",
        environment: "production",
        production_environment: true,
        payload: { shipline: { trigger: "command", replaces: "b".repeat(40), replaces_deployment: 610 } },
      });
    });

    it("never offers a SHA that a rollback already replaced", async () => {
      start({
        facts: {
          deployments: [
            deploymentNode({ id: 590, sha: "1".repeat(40), environment: "production", statuses: ["SUCCESS"] }),
            ...history,
            deploymentNode({ id: 620, sha: OLD, environment: "production", task: "deploy:rollback", shipline: { replaces: "b".repeat(40) }, statuses: ["SUCCESS"] }),
          ],
        },
      });
      github().post(`${REPO}/deployments`).reply(201, { ...deployed(908, "1".repeat(40), "production"), task: "deploy:rollback" });
      answers();
      await receive(commentOnPullRequest("/rollback production"));
      expect(seen.find((r) => route(r) === `POST ${REPO}/deployments`)!.body).toMatchObject({ ref: "1".repeat(40) });
    });

    it("accepts `to <sha>` reachable from the default branch", async () => {
      start({ facts: { deployments: history } });
      github().get(`${REPO}/commits/abc1234`).reply(200, { sha: `abc1234${"0".repeat(33)}` });
      github().get(`${REPO}/compare/abc1234${"0".repeat(33)}...${"d".repeat(40)}`).query({ per_page: 1 }).reply(200, { status: "ahead", behind_by: 0 });
      github().post(`${REPO}/deployments`).reply(201, { ...deployed(909, `abc1234${"0".repeat(33)}`, "production"), task: "deploy:rollback" });
      answers();
      await receive(commentOnPullRequest("/rollback production to abc1234"));
      expect(seen.find((r) => route(r) === `POST ${REPO}/deployments`)!.body).toMatchObject({ ref: `abc1234${"0".repeat(33)}` });
    });

    it("refuses `to <sha>` neither reachable from the default branch nor deployed before (bad_target)", async () => {
      start({ facts: { deployments: history } });
      github().get(`${REPO}/commits/fee1bad`).reply(200, { sha: `fee1bad${"0".repeat(33)}` });
      github().get(`${REPO}/compare/fee1bad${"0".repeat(33)}...${"d".repeat(40)}`).query({ per_page: 1 }).reply(200, { status: "diverged", behind_by: 3 });
      answers();
      await receive(commentOnPullRequest("/rollback production to fee1bad"));
      expect(seen.some((r) => route(r) === `POST ${REPO}/deployments`)).toBe(false);
      expect((seen.find((r) => r.path.endsWith("/issues/1/comments"))!.body as { body: string }).body).toContain("(`bad_target`)");
    });

    it("accepts `to <deployment-id>` of an earlier successful deployment without another request", async () => {
      start({ facts: { deployments: history } });
      github().post(`${REPO}/deployments`).reply(201, { ...deployed(910, OLD, "production"), task: "deploy:rollback" });
      answers();
      await receive(commentOnPullRequest("/rollback production to 600"));
      expect(seen.find((r) => route(r) === `POST ${REPO}/deployments`)!.body).toMatchObject({ ref: OLD });
    });
  });

  describe("/lock and /unlock", () => {
    it("locks with a commit that records who, why and when, then an atomic ref", async () => {
      start({});
      github().post(`${REPO}/git/commits`).reply(201, { sha: "f".repeat(40) });
      github().post(`${REPO}/git/refs`, { ref: "refs/shipline/locks/production", sha: "f".repeat(40) }).reply(201, { ref: "refs/shipline/locks/production" });
      answers();
      await receive(commentOnPullRequest("/lock production incident 4521 @everyone"));
      const commit = seen.find((r) => r.path.endsWith("/git/commits"))!.body as { message: string; tree: string; parents: string[] };
      expect(commit.tree).toBe("4b825dc642cb6eb9a060e54bf8d69288fbee4904");
      expect(commit.parents).toEqual([]);
      expect(JSON.parse(commit.message.slice(commit.message.indexOf("{")))).toMatchObject({ shipline_lock: { environment: "production", holder: "Codertocat", reason: "incident 4521 @everyone" } });
      const comment = (seen.find((r) => r.path.endsWith("/issues/1/comments"))!.body as { body: string }).body;
      expect(comment).toContain("(`lock`) Codertocat: Codertocat locked production: incident 4521 @\u200beveryone.");
    });

    it("refuses when another replica or person took the lock first (ref creation fails)", async () => {
      start({});
      github().post(`${REPO}/git/commits`).reply(201, { sha: "f".repeat(40) });
      github().post(`${REPO}/git/refs`).reply(422, { message: "Reference already exists" });
      answers();
      await receive(commentOnPullRequest("/lock production"));
      expect((seen.find((r) => r.path.endsWith("/issues/1/comments"))!.body as { body: string }).body).toContain("(`locked`) for Codertocat: production was locked by someone else a moment ago.");
    });

    it("finishes its own /lock when run again after a crash: no second lock commit, and the holder is not told they hold it", async () => {
      const marker = `comment:${COMMENT_ID}`;
      const ownLock = `Shipline lock: production\n\n${JSON.stringify({ shipline_lock: { environment: "production", holder: "Codertocat", reason: "incident", since: "2026-11-23T07:00:00Z", source: marker } })}`;
      start({ facts: { locks: [{ environment: "production", message: ownLock }] } });
      answers();
      await receive(commentOnPullRequest("/lock production incident"));
      expect(seen.filter((r) => r.path.includes("/git/"))).toEqual([]);
      const comment = (seen.find((r) => r.path.endsWith("/issues/1/comments"))!.body as { body: string }).body;
      expect(comment).toContain("(`lock`) Codertocat: Codertocat locked production: incident.");
      expect(comment).not.toContain("already locked");
    });

    it("records the command in the lock, and another command of the same person is still told they hold it", async () => {
      start({});
      github().post(`${REPO}/git/commits`).reply(201, { sha: "f".repeat(40) });
      github().post(`${REPO}/git/refs`).reply(201, { ref: "refs/shipline/locks/production" });
      answers();
      await receive(commentOnPullRequest("/lock production"));
      const commit = seen.find((r) => r.path.endsWith("/git/commits"))!.body as { message: string };
      expect(JSON.parse(commit.message.slice(commit.message.indexOf("{"))).shipline_lock.source).toBe(`comment:${COMMENT_ID}`);
      seen.length = 0;
      const otherCommand = `Shipline lock: production\n\n${JSON.stringify({ shipline_lock: { environment: "production", holder: "Codertocat", reason: "", since: "2026-11-23T07:00:00Z", source: "comment:1" } })}`;
      start({ facts: { locks: [{ environment: "production", message: otherCommand }] } });
      answers();
      await receive(commentOnPullRequest("/lock production"));
      expect((seen.find((r) => r.path.endsWith("/issues/1/comments"))!.body as { body: string }).body).toContain("production is already locked by Codertocat.");
    });

    it("lets an admin unlock someone else's lock", async () => {
      start({ role: "admin", facts: { locks: [{ environment: "staging", holder: "carol" }] } });
      // Octokit percent-encodes the slashes of `{ref}`; GitHub decodes them.
      github().delete(`${REPO}/git/refs/shipline%2Flocks%2Fstaging`).reply(204);
      answers();
      await receive(commentOnPullRequest("/unlock staging"));
      expect(seen.some((r) => route(r) === `DELETE ${REPO}/git/refs/shipline/locks/staging`)).toBe(true);
    });
  });
});

describe("check run buttons (app/buttons.ts)", () => {
  let seen: SeenRequest[];
  beforeEach(() => {
    seen = resetRequests();
  });
  const click = (identifier: string) => {
    const payload = withInstallation(examplesOf("check_run").find((e) => e.action === "requested_action")!);
    payload.requested_action = { identifier };
    return testProbot().receive({ id: "b1", name: "check_run", payload: payload as any });
  };
  const EXAMPLE = examplesOf("check_run").find((e) => e.action === "requested_action")!;
  const REPO_B = `/repos/${EXAMPLE.repository.full_name}`;

  it("ignores the real example's own button (another app's identifier) with zero requests", async () => {
    await testProbot().receive({ id: "b0", name: "check_run", payload: withInstallation(EXAMPLE) as any });
    expect(seen).toEqual([]);
  });

  it("deploys the check run's commit to the button's stage and answers on that check run", async () => {
    const sha = EXAMPLE.check_run.head_sha as string;
    mockInstallationToken(EXAMPLE.installation.id);
    factsQuery(EXAMPLE.check_run.pull_requests[0].number, { owner: EXAMPLE.repository.owner.login, repo: EXAMPLE.repository.name }).reply(200, {
      data: factsData({ config: CONFIG, pull: { number: EXAMPLE.check_run.pull_requests[0].number, headRefOid: sha, approvals: 1 }, deployments: [deploymentNode({ id: 851, sha, environment: "staging" })] }),
    });
    github().get(`${REPO_B}/collaborators/${EXAMPLE.sender.login}/permission`).reply(200, { permission: "admin", role_name: "admin" });
    github().post(`${REPO_B}/deployments`).reply(201, { id: 911, sha, ref: sha, environment: "production", task: "deploy", payload: {} });
    github().post(`${REPO_B}/issues/${EXAMPLE.check_run.pull_requests[0].number}/comments`).reply(201, { id: 557 });
    github().patch(`${REPO_B}/check-runs/${EXAMPLE.check_run.id}`).reply(200, { id: EXAMPLE.check_run.id });
    await click("deploy:1");
    expect(seen.find((r) => r.method === "POST" && r.path === `${REPO_B}/deployments`)!.body).toMatchObject({
      ref: sha,
      environment: "production",
      payload: { shipline: { trigger: "button", actor: EXAMPLE.sender.login, source: `check_run:${EXAMPLE.check_run.id}:deploy:1` } },
    });
    expect(seen.at(-1)!.body).toMatchObject({ external_id: "deployment:911", output: { title: "Deploying 5bd5f19 to production." } });
  });

  it("checks the clicker's permission like a command (permission_denied)", async () => {
    mockInstallationToken(EXAMPLE.installation.id);
    factsQuery(EXAMPLE.check_run.pull_requests[0].number, { owner: EXAMPLE.repository.owner.login, repo: EXAMPLE.repository.name }).reply(200, { data: factsData({ config: CONFIG, pull: { number: 26764 } }) });
    github().get(`${REPO_B}/collaborators/${EXAMPLE.sender.login}/permission`).reply(200, { permission: "read", role_name: "read" });
    github().post(`${REPO_B}/issues/26764/comments`).reply(201, { id: 558 });
    github().patch(`${REPO_B}/check-runs/${EXAMPLE.check_run.id}`).reply(200, {});
    await click("rollback:0");
    expect(seen.some((r) => r.method === "POST" && r.path.endsWith("/deployments"))).toBe(false);
    expect(seen.at(-1)!.body).toMatchObject({ output: { title: "Refused: permission_denied" } });
  });

  it("refuses a button for a stage the pipeline no longer has", async () => {
    mockInstallationToken(EXAMPLE.installation.id);
    factsQuery(EXAMPLE.check_run.pull_requests[0].number, { owner: EXAMPLE.repository.owner.login, repo: EXAMPLE.repository.name }).reply(200, { data: factsData({ config: CONFIG, pull: { number: 26764 } }) });
    github().post(`${REPO_B}/issues/26764/comments`).reply(201, { id: 559 });
    github().patch(`${REPO_B}/check-runs/${EXAMPLE.check_run.id}`).reply(200, {});
    await click("deploy:7");
    expect(seen.at(-1)!.body).toMatchObject({ output: { title: "Refused: bad_command" } });
  });

  describe("/approve: Shipline's own approvals, for plans without required reviewers", () => {
    const APPROVALS = `${CONFIG}    approvals: { count: 1, from: ["@acme/release-managers"] }\n`;
    const approve = async (membership: number) => {
      mockInstallationToken();
      github().post(`${REPO}/issues/comments/${COMMENT_ID}/reactions`, { content: "eyes" }).reply(201, { id: 1, content: "eyes" });
      factsQuery(1).reply(200, { data: factsData({ config: APPROVALS, pull: { author: "octocat" } }) });
      github().get(`${REPO}/collaborators/Codertocat/permission`).reply(200, { permission: "write", role_name: "write", user: { login: "Codertocat" } });
      github().get("/orgs/acme/teams/release-managers/memberships/Codertocat").reply(membership, membership === 200 ? { url: "u", role: "member", state: "active" } : { message: "Not Found" });
      answers();
      // The approval completes the count: the held promotions of that SHA are looked up (none: it was never deployed).
      if (membership === 200) github().get(`${REPO}/deployments`).query({ sha: HEAD, per_page: 100 }).reply(200, []);
      await receive(commentOnPullRequest("/approve production"));
      return (seen.find((r) => route(r) === `POST ${REPO}/issues/1/comments`)!.body as { body: string }).body;
    };

    it("records a team member's approval of the head SHA as a marker in Shipline's comment, then reads the held deploys once", async () => {
      const comment = await approve(200);
      expect(comment).toContain("👍 (`approve`) Codertocat approved eeeeeee for production (1 of 1).");
      expect(comment).toMatch(new RegExp(`^<!-- shipline:approval production ${HEAD} Codertocat \\S+ -->$`, "m"));
      expect(seen.some((r) => route(r) === `POST ${REPO}/deployments`)).toBe(false);
      // The membership is asked once, for the team named; the held deploys of that SHA are read after.
      expect(seen.filter((r) => r.path.startsWith("/orgs/")).map(route)).toEqual(["GET /orgs/acme/teams/release-managers/memberships/Codertocat"]);
      expect(seen.filter((r) => route(r) === "POST /graphql")).toHaveLength(1);
      expect(seen.at(-1)!.path).toBe(`${REPO}/deployments?sha=${HEAD}&per_page=100`);
    });

    it("refuses someone outside the team (not_approver) and records nothing", async () => {
      const comment = await approve(404);
      expect(comment).toContain("⛔ **Refused** (`not_approver`) for Codertocat: Only @\u200bacme/release-managers may approve deployments to production; Codertocat may not.");
      expect(comment).not.toContain("<!-- shipline:approval");
    });
  });
});
