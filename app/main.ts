import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { run } from "probot";
import shipline from "./index.js";
import { startServer } from "./server.js";

/**
 * `.env` in the working directory, read the way Probot's `run()` reads it (node's parseEnv,
 * its values over the environment's), but before the settings are checked: `npm run setup`
 * writes APP_ID, PRIVATE_KEY and WEBHOOK_SECRET there, and `npm start` must find them.
 */
function applyDotEnv(path = join(process.cwd(), ".env")): void {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  Object.assign(process.env, parseEnv(text));
}

/** What Probot needs to act as the registered GitHub App, and where each comes from. */
const REQUIRED = [
  ["APP_ID", "the App ID shown on the app's settings page"],
  ["PRIVATE_KEY or PRIVATE_KEY_PATH", "the app's private key (PEM), or the path to its .pem file"],
  ["WEBHOOK_SECRET", "the webhook secret set when registering the app; every delivery's signature is checked with it"],
] as const;

function missingSettings(env: NodeJS.ProcessEnv): string[] {
  const missing: string[] = [];
  if (!env.APP_ID) missing.push("APP_ID");
  if (!env.PRIVATE_KEY && !env.PRIVATE_KEY_PATH) missing.push("PRIVATE_KEY or PRIVATE_KEY_PATH");
  if (!env.WEBHOOK_SECRET) missing.push("WEBHOOK_SECRET");
  return missing;
}

applyDotEnv();
const missing = missingSettings(process.env);
if (missing.length > 0 && process.env.SHIPLINE_SETUP !== "1") {
  const lines = REQUIRED.map(([name, what]) => `  ${missing.includes(name) ? "✗" : "✓"} ${name}: ${what}`);
  console.error(
    [
      "Shipline cannot start: it runs as a registered GitHub App and needs these settings.",
      ...lines,
      "Optional: HOST (localhost; 0.0.0.0 in a container), PORT (3000), LOG_LEVEL (info), LOG_FORMAT (json|pretty),",
      "SENTRY_DSN, GHE_HOST and GHE_PROTOCOL for another GitHub API host, REDIS_URL for the durable queue and rate limits shared by replicas.",
      "They are read from the environment and from .env in the working directory (README, \"npm start\").",
      "",
      "To register the app from app.yml through GitHub's manifest flow: npm run setup",
      "To see Shipline work on this machine without GitHub: npm run demo",
    ].join("\n"),
  );
  process.exit(1);
}

if (process.env.SHIPLINE_SETUP === "1") {
  // Registration through GitHub's manifest flow is Probot's own setup app.
  await run(shipline);
} else {
  const running = await startServer();
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      // Jobs in hand finish; queued ones wait in Redis for another replica (or this one's restart).
      void running.close().finally(() => process.exit(0));
    });
  }
}
