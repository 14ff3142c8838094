import { run } from "probot";
import shipline from "./index.js";

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

const missing = missingSettings(process.env);
if (missing.length > 0 && process.env.SHIPLINE_SETUP !== "1") {
  const lines = REQUIRED.map(([name, what]) => `  ${missing.includes(name) ? "✗" : "✓"} ${name}: ${what}`);
  console.error(
    [
      "Shipline cannot start: it runs as a registered GitHub App and needs these settings.",
      ...lines,
      "Optional: PORT (3000), LOG_LEVEL (info), GHE_HOST and GHE_PROTOCOL for another GitHub API host,",
      "REDIS_URL to share rate limits across replicas.",
      "",
      "To register the app from app.yml through GitHub's manifest flow: npm run setup",
      "To see Shipline work on this machine without GitHub: npm run demo",
    ].join("\n"),
  );
  process.exit(1);
}

await run(shipline);
