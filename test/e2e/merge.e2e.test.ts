import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApp } from "../emulator/app-process.js";
import type { Emulator } from "../emulator/index.js";
import { expectContractKept, startLoop } from "../helpers/loop.js";

const SECRET = "e2e-webhook-secret";
const APP_ID = 4242;

describe("the app against the emulator, over HTTP", () => {
  let emulator: Emulator;
  let app: RunningApp;

  beforeAll(async () => {
    ({ emulator, app } = await startLoop({ webhookSecret: SECRET, appId: APP_ID }));
  }, 30_000);

  afterAll(async () => {
    expectContractKept(emulator);
    await app?.stop();
    await emulator?.close();
  });

  it("turns a merged pull request into exactly one deployment and one check run", async () => {
    const { scenario } = emulator;
    scenario.createRepo("acme/shop");
    const pr = scenario.openPullRequest("acme/shop", { branch: "cart", title: "Add a cart", author: "alice" });
    await emulator.settled();
    const before = emulator.requests.length;
    const merge = scenario.mergePullRequest("acme/shop", pr.number, { by: "bob" });
    await emulator.settled();

    const repo = scenario.repo("acme/shop");
    const deployments = [...repo.deployments.values()];
    expect(deployments).toHaveLength(1);
    expect(deployments[0]).toMatchObject({
      sha: merge.sha,
      ref: merge.sha,
      environment: "staging",
      task: "deploy",
      production_environment: false,
      creator: { login: "shipline[bot]" },
      payload: { shipline: { trigger: "merge", actor: "bob", pr: pr.number, stage: 0 } },
    });
    const runs = [...repo.checkRuns.values()];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ name: "Shipline", head_sha: merge.sha, conclusion: "neutral" });
    expect(runs[0]!.actions.map((a) => a.identifier)).toEqual(["deploy:1", "rollback:0"]);

    const made = emulator.requests.slice(before).filter((r) => r.actor !== "app (JWT)");
    expect(made.map((r) => `${r.method} ${r.path.split("?")[0]} ${r.status}`)).toEqual([
      "GET /repos/acme/shop/contents/.github/shipline.yml 404",
      "GET /repos/acme/.github/contents/.github/shipline.yml 404",
      "POST /graphql 200",
      "POST /repos/acme/shop/deployments 201",
      "POST /repos/acme/shop/check-runs 201",
    ]);
    // The merge's push was delivered signed and answered 202 (queued, the work done after the
    // answer); the pull_request event is not subscribed.
    const push = emulator.deliveries.filter((d) => d.event === "push").at(-1)!;
    expect(push.status).toBe(202);
    expect(emulator.deliveries.find((d) => d.event === "pull_request")?.skipped).toBe(true);
  });

  it("creates nothing new when GitHub redelivers the same push", async () => {
    const repo = emulator.scenario.repo("acme/shop");
    const push = emulator.deliveries.filter((d) => d.event === "push" && !d.skipped).at(-1)!;
    const requestsBefore = emulator.requests.length;
    emulator.redeliver(push.id);
    await emulator.settled();
    expect(repo.deployments.size).toBe(1);
    expect(repo.checkRuns.size).toBe(1);
    // The same delivery GUID is the same job: answered, and not run again (no request at all).
    expect(emulator.deliveries.at(-1)).toMatchObject({ id: push.id, status: 202 });
    expect(emulator.requests.slice(requestsBefore)).toEqual([]);
  });

  it("reports a broken config as a failing check run and deploys nothing", async () => {
    const { scenario } = emulator;
    const repo = scenario.repo("acme/shop");
    const commit = scenario.push("acme/shop", {
      message: "Configure Shipline",
      author: "alice",
      files: { ".github/shipline.yml": "stages:\n  - environment: staging\n    soak: thirty\n" },
    });
    await emulator.settled();
    expect([...repo.deployments.values()].filter((d) => d.sha === commit.sha)).toEqual([]);
    const run = [...repo.checkRuns.values()].find((r) => r.head_sha === commit.sha)!;
    expect(run).toMatchObject({ name: "Shipline", conclusion: "failure", output: { title: ".github/shipline.yml is not valid: 1 problem" } });
    expect(run.output.summary).toContain("`stages[0].soak`: expected a duration like `30m`, `2h` or `1h30m`; found `\"thirty\"`.");
  });

  it("reads the repository's own config at the pushed commit", async () => {
    const { scenario } = emulator;
    const repo = scenario.repo("acme/shop");
    const commit = scenario.push("acme/shop", {
      message: "Deploy to qa first",
      author: "alice",
      files: { ".github/shipline.yml": "stages:\n  - environment: qa\n    auto: true\n  - environment: production\n    production: true\n" },
    });
    await emulator.settled();
    const deployments = [...repo.deployments.values()].filter((d) => d.sha === commit.sha);
    expect(deployments.map((d) => [d.environment, d.payload])).toEqual([["qa", { shipline: { trigger: "push", actor: "alice", pr: null, stage: 0 } }]]);
  });

  it("holds a merge on a private repository (no protection rule on this plan) until its checks are green, then deploys it", async () => {
    const { scenario } = emulator;
    scenario.createRepo("acme/held");
    const pr = scenario.openPullRequest("acme/held", { branch: "slow-ci", title: "Slow CI", author: "alice" });
    await emulator.settled();
    const merge = scenario.mergePullRequest("acme/held", pr.number, { by: "bob" });
    // CI starts on the merge commit before Shipline reads it.
    scenario.check("acme/held", merge.sha, "ci/test", null);
    await emulator.settled();
    const repo = scenario.repo("acme/held");
    expect([...repo.deployments.values()]).toEqual([]);
    const waiting = [...repo.checkRuns.values()].filter((r) => r.name === "Shipline");
    expect(waiting).toMatchObject([{ status: "in_progress", output: { title: "Waiting for checks before staging" } }]);
    // CI finishes green: the check_run event decides again, and the merge deploys.
    scenario.check("acme/held", merge.sha, "ci/test", "success");
    await emulator.settled();
    expect([...repo.deployments.values()]).toMatchObject([{ sha: merge.sha, environment: "staging", payload: { shipline: { trigger: "merge", actor: "bob", pr: pr.number } } }]);
    expect([...repo.checkRuns.values()].filter((r) => r.name === "Shipline")).toMatchObject([{ id: waiting[0]!.id, status: "completed", output: { title: `Deploying ${merge.sha.slice(0, 7)} to staging` } }]);
  });
});
