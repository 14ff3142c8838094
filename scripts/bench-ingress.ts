// Webhook answers under load, over HTTP to real processes: one dist/app.js with the in-process
// queue, two replicas sharing Redis, and a bare Probot app for comparison. Figures only.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { freePort, generateAppKey, startApp, type RunningApp } from "../test/emulator/app-process.js";
import { startEmulator, type Emulator } from "../test/emulator/index.js";
import { projectRoot } from "../test/emulator/root.js";

type RecordFigure = (what: string, figure: string, target: string) => void;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Peak resident memory of a process (VmHWM), in MiB. */
function peakRss(pid: number | undefined): number | null {
  try {
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * The load generator, run in a process of its own so that neither the emulator (in the bench's
 * process) nor the app shares its event loop: open-loop, `rate` signed deliveries a second for
 * `seconds`, each sent on schedule whatever the earlier ones are doing (as GitHub sends),
 * round-robin over the URLs. The payload is a `check_run.completed` of another app's run: work
 * for the queue (its job looks for runs waiting on that commit). Prints its latencies as JSON.
 */
const GENERATOR = `
import { createHmac, randomUUID } from "node:crypto";
import { Agent, request } from "node:http";
const { urls, secret, rate, seconds } = JSON.parse(process.env.LOAD);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const body = (i) => JSON.stringify({
  action: "completed",
  check_run: { id: 100000 + i, name: "ci/test", head_sha: "c".repeat(40), status: "completed", conclusion: "success", pull_requests: [] },
  repository: { id: 1, name: "load-" + (i % 8), full_name: "bench/load-" + (i % 8), private: true, default_branch: "main", owner: { login: "bench", id: 1 }, html_url: "https://github.com/bench/load" },
  sender: { login: "ci", id: 2, type: "User" },
  installation: { id: 1 },
});
const latencies = [];
const statuses = {};
const send = (i) => new Promise((resolve) => {
  const payload = body(i);
  const url = new URL(urls[i % urls.length]);
  const started = performance.now();
  const req = request({ agent, host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "application/json", "x-github-event": "check_run", "x-github-delivery": randomUUID(), "x-hub-signature-256": "sha256=" + createHmac("sha256", secret).update(payload).digest("hex") } }, (res) => {
    res.resume();
    res.on("end", () => { latencies.push(performance.now() - started); statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1; resolve(); });
  });
  req.on("error", (e) => { statuses[e.code ?? "error"] = (statuses[e.code ?? "error"] ?? 0) + 1; resolve(); });
  req.end(payload);
});
const total = rate * seconds;
const inflight = [];
const start = performance.now();
for (let i = 0; i < total; i++) {
  const wait = start + (i * 1000) / rate - performance.now();
  if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
  inflight.push(send(i));
}
await Promise.all(inflight);
agent.destroy();
process.stdout.write(JSON.stringify({ latencies, statuses, seconds: (performance.now() - start) / 1000 }));
`;

interface Load {
  p50: number;
  p99: number;
  max: number;
  answered: number;
  statuses: { [status: string]: number };
  sentPerSecond: number;
  drainedPerSecond: number;
}

async function paced(urls: string[], secret: string, rate: number, seconds: number, busy: () => Promise<boolean>): Promise<Load> {
  const start = performance.now();
  const child = spawn(process.execPath, ["--input-type=module", "-e", GENERATOR], { env: { PATH: process.env.PATH, LOAD: JSON.stringify({ urls, secret, rate, seconds }) }, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => child.once("exit", resolve));
  const result = JSON.parse(out) as { latencies: number[]; statuses: { [status: string]: number }; seconds: number };
  while (await busy()) await new Promise((resolve) => setTimeout(resolve, 50));
  const drainedSeconds = (performance.now() - start) / 1000;
  const latencies = result.latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1)!, answered: latencies.length, statuses: result.statuses, sentPerSecond: (rate * seconds) / result.seconds, drainedPerSecond: (rate * seconds) / drainedSeconds };
}

async function queueBusy(app: RunningApp): Promise<boolean> {
  const response = await fetch(new URL("/healthz", app.webhookUrl));
  const { counts } = (await response.json()) as { counts: { waiting: number; active: number; delayed: number } };
  return counts.waiting + counts.active + counts.delayed > 0;
}

/** A bare Probot app (no handler) on Probot's own server, as `probot run` would serve it. */
export async function bareProbot(secret: string): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  const code = `import { Server, Probot } from "probot"; const server = new Server({ Probot: Probot.defaults({ appId: 1, privateKey: process.env.PRIVATE_KEY, secret: process.env.WEBHOOK_SECRET, logLevel: "fatal" }), port: ${port}, host: "127.0.0.1" }); await server.load(() => {}); await server.start();`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], { cwd: projectRoot(), env: { PATH: process.env.PATH, PRIVATE_KEY: generateAppKey(), WEBHOOK_SECRET: secret, LOG_LEVEL: "fatal", NODE_ENV: "production" }, stdio: "ignore" });
  const url = `http://127.0.0.1:${port}/api/github/webhooks`;
  for (let i = 0; i < 200; i++) {
    if (await fetch(`http://127.0.0.1:${port}/ping`).then((r) => r.ok, () => false)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, child, stop: async () => void child.kill("SIGTERM") };
}

const describeLoad = (l: Load) => `p50 ${l.p50.toFixed(1)} / p99 ${l.p99.toFixed(1)} ms`;

export async function ingressFigures(record: RecordFigure): Promise<void> {
  const secret = randomBytes(16).toString("hex");
  const rate = 500;
  const seconds = 10;

  // A bare Probot app first: what "at least as fast" compares with.
  const bare = await bareProbot(secret);
  try {
    const load = await paced([bare.url], secret, rate, seconds, async () => false);
    record(`bare Probot app (no handler), answers at ${rate} signed events/s for ${seconds} s`, describeLoad(load), "the baseline");
  } finally {
    await bare.stop();
  }

  for (const setup of [
    { what: "dist/app.js, in-process queue", replicas: 1, env: {} as Record<string, string> },
    { what: "two dist/app.js sharing Redis (BullMQ)", replicas: 2, env: { REDIS_URL: "redis://127.0.0.1:6379", SHIPLINE_QUEUE_PREFIX: `shipline-bench-${randomUUID().slice(0, 8)}` } },
  ]) {
    const privateKey = generateAppKey();
    const emulator: Emulator = await startEmulator({ webhookSecret: secret, appId: 11, privateKey });
    for (let r = 0; r < 8; r++) emulator.scenario.createRepo(`bench/load-${r}`);
    const apps: RunningApp[] = [];
    try {
      for (let i = 0; i < setup.replicas; i++) apps.push(await startApp(emulator, { appId: 11, privateKey, webhookSecret: secret, attach: i === 0, env: setup.env }));
      const load = await paced(
        apps.map((a) => a.webhookUrl),
        secret,
        rate,
        seconds,
        () => queueBusy(apps[0]!),
      );
      record(`${setup.what}: answers at ${rate} events/s for ${seconds} s, all work queued`, describeLoad(load), "p99 < 100 ms");
      record(`${setup.what}: sustained (answered / worked off)`, `${Math.round(load.sentPerSecond)}/s / ${Math.round(load.drainedPerSecond)}/s`, Object.entries(load.statuses).map(([k, v]) => `${v} × ${k}`).join(", "));
      record(`${setup.what}: peak RSS per replica`, apps.map((a) => `${peakRss(a.child.pid)?.toFixed(0) ?? "?"} MiB`).join(", "), "");

      // A merge, timed from the push being sent to the deployment existing on GitHub.
      emulator.scenario.createRepo("bench/timed", { files: { ".github/shipline.yml": "stages:\n  - environment: staging\n    auto: true\n" } });
      await emulator.settled();
      const pr = emulator.scenario.openPullRequest("bench/timed", { branch: "timed", title: "Timed", author: "alice" });
      const started = performance.now();
      emulator.scenario.mergePullRequest("bench/timed", pr.number, { by: "bob" });
      while (emulator.scenario.repo("bench/timed").deployments.size === 0 && performance.now() - started < 30_000) await new Promise((resolve) => setTimeout(resolve, 2));
      record(`${setup.what}: merge -> deployment created on GitHub`, `${(performance.now() - started).toFixed(0)} ms`, "");
      await emulator.settled();
    } finally {
      await Promise.all(apps.map((a) => a.stop()));
      await emulator.close();
    }
  }
}
