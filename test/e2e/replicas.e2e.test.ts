import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { sign } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAppKey, startApp, type RunningApp } from "../emulator/app-process.js";
import { startEmulator, type Emulator } from "../emulator/index.js";
import { expectContractKept } from "../helpers/loop.js";
import { redisAnswers } from "../helpers/redis.js";

const SECRET = "e2e-replicas-secret";
const APP_ID = 4646;
const REPO = "acme/orders";
const CONFIG = "stages:\n  - environment: staging\n    auto: true\n  - environment: production\n    production: true\n";
const hasRedis = await redisAnswers();
if (process.env.CI === "true" && !hasRedis) throw new Error("CI needs Redis on 127.0.0.1:6379 (.ci/run starts one)");

/**
 * Exactly once under concurrency, with real processes: every delivery reaches each replica at
 * the same instant (the emulator fans it out), and some are sent again under a new GUID.
 * Two dist/app.js replicas share Redis (BullMQ); the same suite runs on one replica with the
 * in-process queue, where both copies land on the same process.
 */
describe.each([
  { mode: "two replicas sharing Redis", replicas: 2, redis: true },
  { mode: "one replica, in-process queue", replicas: 1, redis: false },
])("exactly once: $mode", ({ replicas, redis }) => {
  let emulator: Emulator;
  let apps: RunningApp[] = [];
  const prefix = `shipline-test-${randomUUID().slice(0, 8)}`;

  const start = (privateKey: string) =>
    startApp(emulator, {
      appId: APP_ID,
      privateKey,
      webhookSecret: SECRET,
      logLevel: "info",
      attach: false,
      env: redis ? { REDIS_URL: "redis://127.0.0.1:6379", SHIPLINE_QUEUE_PREFIX: prefix, SHIPLINE_QUEUE_LOCK_MS: "3000", SHIPLINE_QUEUE_STALLED_CHECK_MS: "1000", SHIPLINE_QUEUE_BACKOFF_MS: "500" } : { SHIPLINE_QUEUE_BACKOFF_MS: "500" },
    });
  /** Commits whose deployments no workflow finishes (the trials: only their own requests count). */
  const unfinished = new Set<string>();
  /** Production deployments the workflow finishes; any other stays queued, a deploy in progress. */
  const productionFinishes = new Set<string>();
  const repo = () => emulator.scenario.repo(REPO);
  const deployments = () => [...repo().deployments.values()];
  const shiplineComments = () => [...repo().comments.values()].filter((c) => c.user.login === "shipline[bot]");

  beforeAll(async () => {
    const privateKey = generateAppKey();
    emulator = await startEmulator({ webhookSecret: SECRET, appId: APP_ID, privateKey });
    apps = await Promise.all(Array.from({ length: replicas }, () => start(privateKey)));
    // Each delivery reaches every replica at once; on one replica, it arrives twice at once.
    emulator.webhookTargets = replicas === 2 ? apps.map((a) => a.webhookUrl) : [apps[0]!.webhookUrl, apps[0]!.webhookUrl];
    // The deploy workflow finishes staging, and production only where a test asks it to.
    emulator.onWorkflowEvent("deployment", async (payload) => {
      const { id, sha, environment } = payload.deployment;
      if (unfinished.has(sha) || (environment === "production" && !productionFinishes.has(sha))) return;
      await emulator.reportDeploymentStatus(REPO, id, { state: "success" });
    });
    emulator.scenario.createRepo(REPO, { files: { ".github/shipline.yml": CONFIG } });
    emulator.scenario.setRole(REPO, "bob", "maintain");
    emulator.scenario.setRole(REPO, "carol", "admin");
    await emulator.settled();
  }, 60_000);

  afterAll(async () => {
    if (emulator) expectContractKept(emulator);
    await Promise.all(apps.map((a) => a.stop()));
    await emulator?.close();
  });

  it("makes one deployment and one check run per pushed commit, however many copies of its push arrive at once", async () => {
    const trials = redis ? 20 : 8;
    const shas: string[] = [];
    for (let i = 0; i < trials; i++) {
      const commit = emulator.scenario.push(REPO, { message: `Change ${i}`, author: "bob", files: { [`src/change-${i}.ts`]: `export const n = ${i};\n` } });
      unfinished.add(commit.sha);
      shas.push(commit.sha);
      // The same event under another GUID too: a second push delivery for the same commit.
      const push = emulator.deliveries.filter((d) => d.event === "push").at(-1)!;
      emulator.resendAsNew(push.id);
    }
    await emulator.settled();
    const perSha = shas.map((sha) => ({ sha, deployments: deployments().filter((d) => d.sha === sha && d.environment === "staging").length, checkRuns: [...repo().checkRuns.values()].filter((r) => r.head_sha === sha && r.name === "Shipline").length }));
    expect(perSha.filter((p) => p.deployments !== 1 || p.checkRuns !== 1)).toEqual([]);
    // Every copy was answered at once (queued, or a duplicate of a queued job), none refused.
    const pushes = emulator.deliveries.filter((d) => d.event === "push" && !d.skipped);
    expect(pushes.flatMap((d) => d.statuses ?? [d.status]).every((s) => s === 202)).toBe(true);
  }, 180_000);

  it("promotes once when the same success status arrives twice at once", async () => {
    // Production automatic from here on: a staging success promotes.
    const { sha: head } = emulator.scenario.push(REPO, { message: "Promote automatically", author: "bob", files: { ".github/shipline.yml": CONFIG.replace("production: true\n", "production: true\n    auto: true\n") } });
    productionFinishes.add(head);
    await emulator.settled();
    const status = emulator.deliveries.filter((d) => d.event === "deployment_status" && (d.payload as any).deployment.sha === head).at(-1)!;
    emulator.resendAsNew(status.id);
    await emulator.settled();
    expect(deployments().filter((d) => d.sha === head).map((d) => d.environment).sort()).toEqual(["production", "staging"]);
  }, 120_000);

  it("answers two /deploy production at once with one deployment and one deploy_in_progress refusal, both in the one comment", async () => {
    // Production manual again, for this pull request's merge.
    emulator.scenario.push(REPO, { message: "Production on command", author: "bob", files: { ".github/shipline.yml": CONFIG } });
    const pr = emulator.scenario.openPullRequest(REPO, { branch: "feature", title: "Add refunds", author: "bob", files: { "src/refunds.ts": "export {};\n" } }).number;
    const merge = emulator.scenario.mergePullRequest(REPO, pr, { by: "bob" });
    await emulator.settled();
    emulator.scenario.comment(REPO, pr, { user: "bob", body: "/deploy production" });
    emulator.scenario.comment(REPO, pr, { user: "carol", body: "/deploy production" });
    await emulator.settled();
    expect(deployments().filter((d) => d.sha === merge.sha && d.environment === "production")).toHaveLength(1);
    expect(shiplineComments()).toHaveLength(1);
    const body = shiplineComments()[0]!.body;
    // One outcome is the deploy, the other the refusal: the latest on top, the first under "Earlier".
    expect(body).toContain("deploy_in_progress");
    expect(body).toMatch(/🚀 \(`deploy`\)/);
    expect(body).toContain("**Earlier**");
    expect(body.match(/deploy_in_progress/g)).toHaveLength(1);
  }, 120_000);

  it("changes nothing when a delivery is redelivered after it was handled", async () => {
    const push = emulator.deliveries.filter((d) => d.event === "push" && !d.skipped).at(-1)!;
    const before = emulator.appRequests().length;
    emulator.redeliver(push.id);
    await emulator.settled();
    expect(emulator.appRequests().slice(before)).toEqual([]);
  }, 60_000);

  it("refuses a body over 25 MB with 413 before reading it, and a signed payload missing a field with 400 naming it", async () => {
    const url = new URL(apps[0]!.webhookUrl);
    const big = await new Promise<number>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "application/json", "content-length": String(25 * 1024 * 1024 + 1), "x-github-event": "push", "x-github-delivery": randomUUID(), "x-hub-signature-256": "sha256=00" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      // The headers alone announce it: the app answers before a byte of the body is sent.
      req.flushHeaders();
    });
    expect(big).toBe(413);
    for (const event of ["push", "issue_comment"]) {
      const answer = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-github-event": event, "x-github-delivery": randomUUID(), "x-hub-signature-256": await sign(SECRET, "{}") }, body: "{}" });
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { error: string }).error).toMatch(new RegExp(`^A ${event} payload needs \`payload\\.repository\``));
    }
    // Logs carry the delivery, never the payload.
    expect(apps.flatMap((a) => a.logs).filter((l) => l.includes("export const n = 3"))).toEqual([]);
  });

  it.runIf(redis)("finishes a job whose replica is killed mid-way on the other replica, duplicating nothing", async () => {
    const commit = { sha: "" };
    let killed: RunningApp | undefined;
    emulator.onceBefore("POST", /\/repos\/acme\/orders\/deployments$/, () => {
      // The replica that took the push's job dies as GitHub receives its deployment.
      killed = apps.find((a) => a.logs.some((l) => l.includes('"job started"') && l.includes('"event":"push"') && !a.logs.some((m) => m.includes('"job done"') && m.includes(JSON.parse(l).delivery))));
      killed?.child.kill("SIGKILL");
    });
    const started = Date.now();
    commit.sha = emulator.scenario.push(REPO, { message: "Crash in the middle", author: "bob", files: { "src/crash.ts": "export {};\n" } }).sha;
    await emulator.settled();
    expect(killed).toBeDefined();
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(deployments().filter((d) => d.sha === commit.sha && d.environment === "staging")).toHaveLength(1);
    expect([...repo().checkRuns.values()].filter((r) => r.head_sha === commit.sha && r.name === "Shipline")).toHaveLength(1);
    const survivor = apps.find((a) => a !== killed)!;
    expect(survivor.logs.some((l) => l.includes('"job done"') && l.includes('"event":"push"'))).toBe(true);
  }, 90_000);
});

if (!hasRedis) describe.skip("exactly once: two replicas sharing Redis (no Redis on 127.0.0.1:6379)", () => it("skipped", () => {}));
