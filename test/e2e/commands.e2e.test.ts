import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApp } from "../emulator/app-process.js";
import type { Emulator } from "../emulator/index.js";
import { lockMessage } from "../../shared/locks/lock.js";
import { expectContractKept, startLoop } from "../helpers/loop.js";

const SECRET = "e2e-commands-secret";
const APP_ID = 4343;
const REPO = "acme/api";
const CONFIG = "stages:\n  - environment: staging\n    auto: true\n  - environment: production\n    production: true\n";

describe("PR commands and buttons against the emulator", () => {
  let emulator: Emulator;
  let app: RunningApp;
  let pr = 0;

  /** The deploy workflow (`on: deployment`): in_progress, then success. */
  const succeed = async (payload: Record<string, any>) => {
    for (const state of ["in_progress", "success"]) {
      await emulator.reportDeploymentStatus(REPO, payload.deployment.id, { state, log_url: `https://ci.example/runs/${payload.deployment.id}`, environment_url: `https://${payload.deployment.environment}.api.example` });
    }
  };
  const comment = async (user: string, body: string) => {
    const before = emulator.requests.length;
    emulator.scenario.comment(REPO, pr, { user, body });
    await emulator.settled();
    return emulator.requests.slice(before).filter((r) => r.actor === "shipline[bot]");
  };
  const shiplineComment = () => [...emulator.scenario.repo(REPO).comments.values()].filter((c) => c.user.login === "shipline[bot]");
  const deployments = () => [...emulator.scenario.repo(REPO).deployments.values()];

  beforeAll(async () => {
    ({ emulator, app } = await startLoop({ webhookSecret: SECRET, appId: APP_ID }));
    emulator.onWorkflowEvent("deployment", succeed);
    const { scenario } = emulator;
    scenario.createRepo(REPO, { files: { ".github/shipline.yml": CONFIG } });
    scenario.setRole(REPO, "alice", "write");
    scenario.setRole(REPO, "bob", "maintain");
    scenario.setRole(REPO, "carol", "admin");
    scenario.setRole(REPO, "mallory", "read");
    pr = scenario.openPullRequest(REPO, { branch: "feature", title: "Add rate limits", author: "alice" }).number;
    await emulator.settled();
  }, 30_000);

  afterAll(async () => {
    expectContractKept(emulator);
    await app?.stop();
    await emulator?.close();
  });

  it("refuses a reader, in Shipline's one comment, with permission_denied", async () => {
    await comment("mallory", "/deploy staging");
    expect(deployments()).toEqual([]);
    expect(shiplineComment()).toHaveLength(1);
    expect(shiplineComment()[0]!.body).toContain("(`permission_denied`) for mallory: Deploying to staging needs the write permission; mallory has read.");
  });

  it("deploys the PR head to staging in 7 requests, edits the same comment, and reacts with eyes", async () => {
    const made = await comment("alice", "/deploy staging");
    const head = emulator.scenario.repo(REPO).pulls.get(pr)!.head.sha;
    // The command's own requests; what follows is the lifecycle reporting the workflow's
    // `success` status on the check run and the comment (production is manual here: no promotion).
    expect(made.slice(7).map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual([
      "POST /graphql",
      `GET /repos/acme/api/commits/${head}/check-runs`,
      expect.stringMatching(/^PATCH \/repos\/acme\/api\/check-runs\/\d+$/),
      expect.stringMatching(/^PATCH \/repos\/acme\/api\/issues\/comments\/\d+$/),
    ]);
    expect(made.slice(0, 7).map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual([
      expect.stringMatching(/^POST \/repos\/acme\/api\/issues\/comments\/\d+\/reactions$/),
      "POST /graphql",
      "GET /repos/acme/api/collaborators/alice/permission",
      "POST /repos/acme/api/deployments",
      `GET /repos/acme/api/pulls/${pr}`,
      expect.stringMatching(/^PATCH \/repos\/acme\/api\/issues\/comments\/\d+$/),
      "POST /repos/acme/api/check-runs",
    ]);
    expect(deployments()).toMatchObject([{ sha: head, environment: "staging", payload: { shipline: { trigger: "command", actor: "alice", pr } } }]);
    expect(deployments()[0]!.statuses.map((s) => s.state)).toEqual(["success", "in_progress"]);
    expect(shiplineComment()).toHaveLength(1);
    const reactions = [...emulator.scenario.repo(REPO).comments.values()].find((c) => c.body === "/deploy staging" && c.user.login === "alice")!.reactions;
    expect(reactions.map((r) => [r.content, r.user.login])).toEqual([["eyes", "shipline[bot]"]]);
  });

  it("refuses production from an unmerged PR until it is approved and green", async () => {
    await comment("bob", "/deploy production");
    expect(shiplineComment()[0]!.body).toContain("(`not_approved`)");
    const head = emulator.scenario.repo(REPO).pulls.get(pr)!.head.sha;
    emulator.scenario.approve(REPO, pr, "carol");
    emulator.scenario.check(REPO, head, "ci/test", "failure");
    await comment("bob", "/deploy production");
    expect(shiplineComment()[0]!.body).toContain("(`checks_failing`)");
    emulator.scenario.check(REPO, head, "ci/test", "success");
    await comment("bob", "/deploy production");
    expect(deployments().filter((d) => d.environment === "production")).toMatchObject([{ sha: head, production_environment: true }]);
  });

  it("refuses a command written before the newest commit (commit_after_command)", async () => {
    const { scenario } = emulator;
    const before = deployments().length;
    // The comment is written, then a commit lands before the app has read anything.
    scenario.comment(REPO, pr, { user: "alice", body: "/deploy staging" });
    const sneaky = scenario.pushToPullRequest(REPO, pr, { message: "sneaky change", author: "mallory" });
    await emulator.settled();
    expect(shiplineComment()[0]!.body).toContain(`(\`commit_after_command\`) for alice: A commit (${sneaky.sha.slice(0, 7)}) was pushed after the command was written`);
    expect(deployments()).toHaveLength(before);
  });

  it("refuses a back-dated commit pushed while the command runs: the head re-check sees it (ref_changed)", async () => {
    const { scenario } = emulator;
    const head = scenario.repo(REPO).pulls.get(pr)!.head.sha;
    let sneaky = "";
    // The instant the app creates the deployment, a commit dated an hour ago lands on the branch:
    // its date says "before the command", only the head re-check can tell.
    emulator.onceBefore("POST", new RegExp(`^/repos/${REPO}/deployments$`), () => {
      sneaky = scenario.pushToPullRequest(REPO, pr, { message: "back-dated change", author: "mallory", date: new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z") }).sha;
    });
    await comment("alice", "/deploy staging");
    expect(sneaky).toMatch(/^[0-9a-f]{40}$/);
    expect(scenario.repo(REPO).commits.get(sneaky)!.date < new Date(Date.now() - 3000_000).toISOString()).toBe(true);
    expect(shiplineComment()[0]!.body).toContain(`(\`ref_changed\`) for alice: The pull request's head moved to ${sneaky.slice(0, 7)} while ${head.slice(0, 7)} was being deployed`);
    const made = deployments().at(-1)!;
    expect(made.sha).toBe(head);
    // Marked so that no workflow runs it (the emulator's workflow here reports on every deployment regardless).
    expect(made.statuses.some((st) => st.state === "error" && st.description === "Shipline refused it: ref_changed")).toBe(true);
    expect(deployments().some((d) => d.sha === sneaky)).toBe(false);
  });

  it("locks production: another lock and another's unlock are refused, the holder unlocks", async () => {
    await comment("carol", "/lock production release freeze for the audit");
    const lockRef = emulator.scenario.repo(REPO).refs.get("refs/shipline/locks/production");
    expect(lockRef).toMatch(/^[0-9a-f]{40}$/);
    expect(emulator.scenario.repo(REPO).commits.get(lockRef!)!.message).toContain('"holder":"carol"');
    await comment("bob", "/lock production mine now");
    expect(shiplineComment()[0]!.body).toContain("(`locked`) for bob: production is locked by carol since");
    await comment("bob", "/unlock production");
    expect(shiplineComment()[0]!.body).toContain("(`permission_denied`) for bob: Only carol (who holds the lock) or an admin can unlock production.");
    await comment("carol", "/unlock production");
    expect(emulator.scenario.repo(REPO).refs.has("refs/shipline/locks/production")).toBe(false);
  });

  it("lets exactly one of two lockers racing for the same environment win; the other is told so", async () => {
    const { scenario } = emulator;
    const repo = scenario.repo(REPO);
    // bob's lock lands the instant before carol's ref is created: GitHub's ref creation is atomic.
    emulator.onceBefore("POST", new RegExp(`^/repos/${REPO}/git/refs$`), () => {
      const lock = emulator.state.commit(repo, [], lockMessage({ environment: "staging", holder: "bob", reason: "racing", since: new Date().toISOString() }), emulator.state.account("shipline[bot]"), new Map());
      repo.refs.set("refs/shipline/locks/staging", lock.sha);
    });
    await comment("carol", "/lock staging mine");
    const holder = repo.commits.get(repo.refs.get("refs/shipline/locks/staging")!)!;
    expect(holder.message).toContain('"holder":"bob"');
    expect(shiplineComment()[0]!.body).toContain("(`locked`) for carol: staging was locked by someone else a moment ago.");
    repo.refs.delete("refs/shipline/locks/staging");
  });

  it("deploys production with the Deploy button on the merge commit's check run, then rolls it back with /rollback", async () => {
    const { scenario } = emulator;
    // Two releases reach production through merges and /deploy.
    const merge = scenario.mergePullRequest(REPO, pr, { by: "bob" });
    await emulator.settled();
    await comment("bob", "/deploy production");
    const production = () => deployments().filter((d) => d.environment === "production");
    expect(production().at(-1)).toMatchObject({ sha: merge.sha });
    const run = [...scenario.repo(REPO).checkRuns.values()].find((r) => r.head_sha === merge.sha && r.name === "Shipline" && r.actions.length > 0)!;
    expect(run.actions.map((a) => a.identifier)).toEqual(["deploy:1", "rollback:0"]);
    const count = production().length;
    scenario.clickButton(REPO, run.id, "deploy:1", "bob");
    await emulator.settled();
    // The button deploys the commit its check run is on, and answers on that check run.
    expect(production()).toHaveLength(count + 1);
    expect(production().at(-1)).toMatchObject({ sha: merge.sha, payload: { shipline: { trigger: "button", actor: "bob" } } });
    expect(scenario.repo(REPO).checkRuns.get(run.id)!.output.title).toBe(`Deploying ${merge.sha.slice(0, 7)} to production.`);
    await comment("carol", "/rollback production");
    const last = production().at(-1)!;
    expect(last.task).toBe("deploy:rollback");
    expect(last.sha).not.toBe(merge.sha);
    expect((last.payload as any).shipline.replaces).toBe(merge.sha);
  }, 60_000);

  it("never answers its own comments (no loop), delivered as GitHub sends them: on a pull request", () => {
    const fromApp = emulator.deliveries.filter((d) => d.event === "issue_comment" && (d.payload as any).sender.login === "shipline[bot]");
    expect(fromApp.length).toBeGreaterThan(0);
    // GitHub marks a comment on a pull request with `issue.pull_request`: only the bot check stops these.
    expect(fromApp.every((d) => d.status === 200 && (d.payload as any).issue.pull_request?.url)).toBe(true);
    // Every comment by the app is the one Shipline comment, edited in place.
    expect(shiplineComment()).toHaveLength(1);
  });

  it("ignores a command written by its own bot account: no reaction, no request", async () => {
    const before = deployments().length;
    expect(await comment("shipline[bot]", "/deploy staging")).toEqual([]);
    expect(deployments()).toHaveLength(before);
  });
});
