import { releaseNoteFigures } from "./bench-release-notes.js";
// `npm run bench`: Shipline's figures, printed beside their targets. Nothing here asserts a
// time; the figures are for people (and for the closing notes of issues).
import { migrationFigures } from "./bench-migrations.js";
import { dashboardFigures } from "./bench-dashboard.js";
import { bareProbot, ingressFigures } from "./bench-ingress.js";
import { execFileSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Agent, request } from "node:http";
import { Probot, ProbotOctokit } from "probot";
import shipline from "../app/index.js";
import { generateAppKey, startLoop } from "../test/emulator/app-process.js";
import type { Emulator } from "../test/emulator/index.js";
import { projectRoot } from "../test/emulator/root.js";

const rows: Array<[string, string, string]> = [];
const record = (what: string, figure: string, target: string) => {
  rows.push([what, figure, target]);
  console.log(`  ${what.padEnd(58)} ${figure.padStart(16)}   ${target}`);
};

async function appRequests(emulator: Emulator, act: () => unknown): Promise<number> {
  const before = emulator.requests.length;
  await act();
  await emulator.settled();
  return emulator.requests.slice(before).filter((r) => r.actor === "shipline[bot]").length;
}

async function requestFigures(): Promise<void> {
  console.log("Requests to GitHub per flow (installation token aside), measured in the emulator");
  const { emulator, app } = await startLoop({ appId: 7, webhookSecret: randomBytes(16).toString("hex") });
  try {
    const { scenario } = emulator;
    scenario.createRepo("bench/configured", { files: { ".github/shipline.yml": "stages:\n  - environment: staging\n    auto: true\n  - environment: production\n    production: true\n" } });
    scenario.createRepo("bench/default");
    // The commenter may deploy: a refusal (permission_denied) costs fewer requests and would flatter the figure.
    for (const repo of ["bench/configured", "bench/default"]) scenario.setRole(repo, "bench", "write");
    const deployed = (repo: string) => [...scenario.repo(repo).deployments.values()].length;
    /** The merges' deployments finish (outside any measured step), so that /deploy is not refused as in progress. */
    const finishAll = async (repo: string) => {
      for (const d of scenario.repo(repo).deployments.values()) if (d.statuses.length === 0) await emulator.reportDeploymentStatus(repo, d.id, { state: "success" });
      await emulator.settled();
    };
    const expectDeployment = (repo: string, before: number) => {
      if (deployed(repo) === before + 1) return;
      const said = [...scenario.repo(repo).comments.values()].filter((c) => c.user.login.endsWith("[bot]")).at(-1)?.body.split("\n").find((l) => l.includes("(`")) ?? "no comment";
      throw new Error(`/deploy made no deployment in ${repo}, so the figure would not be the cost of a deploy. Shipline said: ${said}`);
    };
    const merge = (repo: string) => () => {
      const pr = scenario.openPullRequest(repo, { branch: `b${Date.now()}`, title: "Change", author: "alice" });
      scenario.mergePullRequest(repo, pr.number, { by: "bob" });
    };
    record("merged commit -> deployment (repo has .github/shipline.yml)", String(await appRequests(emulator, merge("bench/configured"))), "<= 4");
    record("merged commit -> deployment (no file: org .github looked up)", String(await appRequests(emulator, merge("bench/default"))), "<= 4 (+1 org fallback)");
    const push = emulator.deliveries.filter((d) => d.event === "push" && !d.skipped).at(-1)!;
    record("redelivery of the same push", String(await appRequests(emulator, () => emulator.redeliver(push.id))), "0 creates");
    const pr = scenario.openPullRequest("bench/configured", { branch: "preview", title: "Preview me", author: "bench" }).number;
    await emulator.settled();
    record("a PR comment that is not a command", String(await appRequests(emulator, () => void scenario.comment("bench/configured", pr, { user: "bench", body: "LGTM, ship it" }))), "0");
    await finishAll("bench/configured");
    const beforeConfigured = deployed("bench/configured");
    record("/deploy staging on an open PR (repo has .github/shipline.yml)", String(await appRequests(emulator, () => void scenario.comment("bench/configured", pr, { user: "bench", body: "/deploy staging" }))), "<= 7");
    expectDeployment("bench/configured", beforeConfigured);
    // The deploy workflow reports the command's deployment: Shipline edits the check run and the comment.
    const previewed = [...scenario.repo("bench/configured").deployments.values()].at(-1)!;
    const finish = () => emulator.reportDeploymentStatus("bench/configured", previewed.id, { state: "success", log_url: "https://ci.example/1" });
    record("a final deployment status -> check run + PR comment", String(await appRequests(emulator, finish)), "4 (+1 promotion or rollback)");
    const pr2 = scenario.openPullRequest("bench/default", { branch: "preview", title: "Preview me", author: "bench" }).number;
    await emulator.settled();
    await finishAll("bench/default");
    const beforeDefault = deployed("bench/default");
    record("/deploy staging on an open PR (no file: org .github looked up)", String(await appRequests(emulator, () => void scenario.comment("bench/default", pr2, { user: "bench", body: "/deploy staging" }))), "<= 7 (+1 org fallback)");
    expectDeployment("bench/default", beforeDefault);
    const broken = emulator.requests.filter((r) => r.rejectedByDescription || r.forbidden || r.unimplemented || r.invalidResponse);
    record("requests GitHub would refuse (description, permissions, private repository)", String(broken.length), "0");
  } finally {
    await app.stop();
    await emulator.close();
  }
}

const tagPush = JSON.stringify({
  ref: "refs/tags/v1.0.0",
  before: "0".repeat(40),
  after: "a".repeat(40),
  created: true,
  deleted: false,
  forced: false,
  base_ref: null,
  head_commit: null,
  commits: [],
  repository: { id: 1, name: "r", full_name: "o/r", default_branch: "main", owner: { login: "o", id: 1 } },
  sender: { login: "o", id: 1, type: "User" },
  installation: { id: 1 },
});

async function inProcessThroughput(): Promise<void> {
  const secret = "bench-secret";
  const probot = new Probot({ appId: 1, privateKey: generateAppKey(), secret, logLevel: "fatal", Octokit: ProbotOctokit });
  await probot.load(shipline);
  await probot.ready();
  const webhooks = probot.webhooks!;
  const signature = `sha256=${createHmac("sha256", secret).update(tagPush).digest("hex")}`;
  const n = 20_000;
  for (let i = 0; i < 500; i++) await webhooks.verifyAndReceive({ id: String(i), name: "push", payload: tagPush, signature });
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await webhooks.verifyAndReceive({ id: String(i), name: "push", payload: tagPush, signature });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  record("signed, ignored events/s: verify + route + ignore, in process", `${Math.round(n / seconds)}/s`, ">= 2,000/s");
}

/** Closed-loop: 16 connections sending signed, ignored events (a tag push) as fast as answered. */
async function closedLoop(url: URL, signature: string): Promise<{ perSecond: number; failed: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const send = (i: number) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        { agent, host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": `d${i}`, "x-hub-signature-256": signature } },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end(tagPush);
    });
  try {
    const n = 10_000;
    let next = 0;
    let failed = 0;
    const worker = async () => {
      while (next < n) if ((await send(next++)) !== 200) failed++;
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    next = 0;
    failed = 0;
    const start = process.hrtime.bigint();
    await Promise.all(Array.from({ length: 16 }, worker));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return { perSecond: n / seconds, failed };
  } finally {
    agent.destroy();
  }
}

async function httpThroughput(): Promise<void> {
  const secret = "bench-secret";
  const signature = `sha256=${createHmac("sha256", secret).update(tagPush).digest("hex")}`;
  const bare = await bareProbot(secret);
  let baseline: number;
  try {
    baseline = (await closedLoop(new URL(bare.url), signature)).perSecond;
    record("signed, ignored events/s over HTTP to a bare Probot app", `${Math.round(baseline)}/s`, "the baseline");
  } finally {
    await bare.stop();
  }
  const { emulator, app } = await startLoop({ appId: 9, webhookSecret: secret });
  try {
    const { perSecond, failed } = await closedLoop(new URL(app.webhookUrl), signature);
    record(`signed, ignored events/s over HTTP to dist/app.js (${failed} not 200)`, `${Math.round(perSecond)}/s (${(perSecond / baseline).toFixed(2)}x bare)`, ">= 1.00x bare Probot");
  } finally {
    await app.stop();
    await emulator.close();
  }
}

function actionFigures(): void {
  const root = projectRoot();
  const actions = existsSync(join(root, "actions")) ? readdirSync(join(root, "actions")).filter((a) => existsSync(join(root, "actions", a, "dist/index.js"))) : [];
  if (actions.length === 0) {
    record("action bundles", "none yet", "< 500 KB, ~110 ms cold start");
    return;
  }
  const time = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const runs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const start = process.hrtime.bigint();
      try {
        execFileSync(process.execPath, args, { env: { PATH: process.env.PATH, ...env }, stdio: "ignore" });
      } catch {
        // An action without inputs fails fast, as it should; the start time is what counts.
      }
      runs.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
  };
  const bare = time(["-e", "0"]);
  record("node -e 0 (bare Node start, median of 10)", `${bare.toFixed(0)} ms`, "~83 ms on the reference machine");
  for (const name of actions) {
    const file = join(root, "actions", name, "dist/index.js");
    record(`actions/${name}: bundle size`, `${(statSync(file).size / 1024).toFixed(0)} KB`, "< 500 KB");
    const ms = time([file]);
    record(`actions/${name}: cold start, whole process (median of 10)`, `${ms.toFixed(0)} ms (${(ms / bare).toFixed(2)}x bare)`, "~110 ms");
  }
}

console.log("Shipline bench\n");
await requestFigures();
console.log("\nWebhook handling");
await inProcessThroughput();
await httpThroughput();
await ingressFigures(record);
console.log("\nActions");
actionFigures();
console.log("\nRelease notes (range, history with pull requests, newcomers, release), in the emulator");
await releaseNoteFigures(record);
console.log("\nDashboard (requests to GitHub per page view, in the emulator)");
await dashboardFigures(record);
console.log("\nMigrations (same server, same files, one transaction each)");
await migrationFigures(record);
process.exit(0);
