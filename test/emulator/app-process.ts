import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:net";
import { startEmulator, type Emulator } from "./index.js";

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { projectRoot } from "./root.js";

/** A fresh RSA key in the PKCS#1 PEM GitHub hands out for apps. */
export function generateAppKey(): string {
  return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningApp {
  webhookUrl: string;
  logs: string[];
  /** The process, for what a crash looks like (`kill("SIGKILL")`). */
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Runs `node dist/app.js` (what `npm start` runs) with Probot's standard environment,
 * pointed at the emulator through GHE_HOST/GHE_PROTOCOL, and waits until it listens.
 */
export async function startApp(
  emulator: Emulator,
  options: { appId: number; privateKey: string; webhookSecret: string; logLevel?: string; env?: Record<string, string>; attach?: boolean },
): Promise<RunningApp> {
  const port = await freePort();
  const logs: string[] = [];
  const root = projectRoot();
  // The app as `npm start` runs it, plus a watchdog that ends it with this process.
  const watchdog = pathToFileURL(join(root, "test/emulator/exit-with-parent.mjs")).href;
  const child: ChildProcess = spawn(process.execPath, ["--import", watchdog, join(root, "dist/app.js")], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      APP_ID: String(options.appId),
      PRIVATE_KEY: options.privateKey,
      WEBHOOK_SECRET: options.webhookSecret,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: (options.logLevel ?? "warn") as "warn",
      LOG_FORMAT: "json",
      GHE_HOST: emulator.host,
      GHE_PROTOCOL: "http",
      ...options.env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => logs.push(...chunk.toString().split("\n").filter(Boolean)));
  child.stderr?.on("data", (chunk: Buffer) => logs.push(...chunk.toString().split("\n").filter(Boolean)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));


  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode}:\n${logs.join("\n")}`);
    try {
      await fetch(`${base}/`, { signal: AbortSignal.timeout(500) });
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`the app did not listen on ${base}:\n${logs.join("\n")}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const webhookUrl = `${base}/api/github/webhooks`;
  if (options.attach !== false) emulator.webhookUrl = webhookUrl;
  return {
    webhookUrl,
    logs,
    child,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The whole loop on loopback: a fresh app key, the emulator, and dist/app.js wired together. */
export async function startLoop(options: { appId: number; webhookSecret: string; logLevel?: string }): Promise<{ emulator: Emulator; app: RunningApp; privateKey: string }> {
  const privateKey = generateAppKey();
  const emulator = await startEmulator({ webhookSecret: options.webhookSecret, appId: options.appId, privateKey });
  const app = await startApp(emulator, { appId: options.appId, privateKey, webhookSecret: options.webhookSecret, ...(options.logLevel ? { logLevel: options.logLevel } : {}) });
  return { emulator, app, privateKey };
}
