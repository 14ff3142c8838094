import { type ChildProcess, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, generateAppKey } from "./emulator/app-process.js";
import { projectRoot } from "./emulator/root.js";
import { healthCheckCommand } from "./helpers/dockerfile.js";
import { redisClients } from "./helpers/redis.js";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

/** `node dist/app.js` (what `npm start` runs) in a folder holding only `.env`, with no setting in its environment. */
function startIn(dir: string): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = "";
  const child = spawn(process.execPath, [join(projectRoot(), "dist/app.js")], { cwd: dir, env: { PATH: process.env.PATH, NODE_ENV: "production", LOG_LEVEL: "info", LOG_FORMAT: "json" } });
  children.push(child);
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output, exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))) };
}

/** `GET /ping` once the app listens; its exit, with what it printed, if it never does. */
async function pingWhenUp(app: ReturnType<typeof startIn>, port: number): Promise<Response> {
  for (let i = 0; i < 200; i++) {
    if (app.child.exitCode !== null) throw new Error(`the app exited with ${app.child.exitCode}:\n${app.output()}`);
    const ping = await fetch(`http://127.0.0.1:${port}/ping`).catch(() => undefined);
    if (ping) return ping;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the app did not listen on ${port}:\n${app.output()}`);
}

/** A `.env` as `npm run setup` writes it: the PEM spans lines inside double quotes. */
function dotEnv(settings: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "shipline-start-"));
  writeFileSync(join(dir, ".env"), Object.entries(settings).map(([key, value]) => `${key}=${value.includes("\n") ? `"${value}"` : value}`).join("\n") + "\n");
  return dir;
}

describe("npm start reads .env before it checks its settings", () => {
  it("starts with only a .env (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET) and answers a signed ping", async () => {
    const port = await freePort();
    const dir = dotEnv({ APP_ID: "4242", PRIVATE_KEY: generateAppKey(), WEBHOOK_SECRET: "from-dotenv", PORT: String(port), HOST: "127.0.0.1" });
    const app = startIn(dir);
    const body = JSON.stringify({ zen: "Design for failure.", hook_id: 1, hook: { type: "App", events: ["push"] } });
    const send = (secret: string) =>
      fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "ping-1", "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}` },
        body,
      });
    let answer: Response | undefined;
    for (let i = 0; i < 200 && !answer; i++) {
      if (app.child.exitCode !== null) throw new Error(`the app exited with ${app.child.exitCode}:\n${app.output()}`);
      answer = await send("from-dotenv").catch(() => undefined);
      if (!answer) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(answer?.status).toBe(200);
    // The secret came from .env: a delivery signed with another one is refused.
    expect((await send("another-secret")).status).toBe(400);
    expect(app.output()).not.toContain("Shipline cannot start");
    // The Dockerfile's HEALTHCHECK, run as Docker would: passes while the app listens.
    const [command, ...args] = healthCheckCommand();
    const health = spawn(command === "node" ? process.execPath : command!, args, { env: { PATH: process.env.PATH, PORT: String(port) } });
    expect(await new Promise((resolve) => health.once("exit", resolve))).toBe(0);
  });

  it("still names a missing setting when .env lacks it", async () => {
    const dir = dotEnv({ APP_ID: "4242", PRIVATE_KEY: generateAppKey() });
    const app = startIn(dir);
    expect(await app.exited).toBe(1);
    expect(app.output()).toContain("Shipline cannot start");
    expect(app.output()).toContain("✓ APP_ID");
    expect(app.output()).toContain("✗ WEBHOOK_SECRET");
  });
});

const hasRedis = (await redisClients()) !== null;
if (process.env.CI === "true" && !hasRedis) throw new Error("CI needs Redis on 127.0.0.1:6379 (.ci/run starts one)");

describe.runIf(hasRedis)("npm start with REDIS_URL", () => {
  it("starts offline (ioredis is a dependency, not fetched through npx) and shares rate limits through Redis", async () => {
    const before = (await redisClients())!;
    const port = await freePort();
    const dir = dotEnv({ APP_ID: "4242", PRIVATE_KEY: generateAppKey(), WEBHOOK_SECRET: "s", PORT: String(port), HOST: "127.0.0.1", REDIS_URL: "redis://127.0.0.1:6379" });
    const app = startIn(dir);
    expect((await pingWhenUp(app, port)).status).toBe(200);
    expect(app.output()).not.toContain("Cannot find package");
    // Probot's throttling (Bottleneck) holds its connections to Redis.
    expect((await redisClients())!).toBeGreaterThan(before);
  });
});

describe("npm start with Redis unreachable", () => {
  it("still listens, and answers a delivery it cannot queue with 503 inside GitHub's 10 s, so it can be redelivered", async () => {
    const port = await freePort();
    const dir = dotEnv({ APP_ID: "4242", PRIVATE_KEY: generateAppKey(), WEBHOOK_SECRET: "s", PORT: String(port), HOST: "127.0.0.1", REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    const app = startIn(dir);
    expect((await pingWhenUp(app, port)).status).toBe(200);
    const body = JSON.stringify({ ref: "refs/heads/main", after: "a".repeat(40), deleted: false, head_commit: { id: "a".repeat(40), message: "x" }, repository: { name: "r", full_name: "o/r", owner: { login: "o" }, default_branch: "main" }, installation: { id: 1 }, sender: { login: "o", type: "User" } });
    const started = Date.now();
    const answer = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": "d-1", "x-hub-signature-256": `sha256=${createHmac("sha256", "s").update(body).digest("hex")}` },
      body,
    });
    expect(answer.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);
});
