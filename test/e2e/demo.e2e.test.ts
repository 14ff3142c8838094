import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { signInCookies } from "../helpers/dashboard.js";

const root = new URL("../../", import.meta.url).pathname;

// README's first command is `npm ci && npm run demo`: the demo must tell its story and exit 0.
describe("npm run demo", () => {
  it("plays the story against the emulator and exits 0 with per-step request counts", async () => {
    const { stdout, dashboard } = await runServing();
    expect(stdout).toContain("bob merges pull request #1: the merged commit becomes a deployment to staging");
    expect(stdout).toMatch(/deployment \d+: [0-9a-f]{7} to staging by shipline\[bot\], payload \{"shipline":\{"trigger":"merge","actor":"bob","pr":1,"stage":0\}\}; in_progress -> success/);
    expect(stdout).toContain("deployments of");
    expect(stdout).toMatch(/deployments of [0-9a-f]{7}: 1\n/);
    expect(stdout).toContain("failure — .github/shipline.yml is not valid: 3 problems");
    expect(stdout).toMatch(/ +\d+ {2}bob merges pull request #1/);
    expect(stdout).toContain("(`rollback`) carol: Rolling production back to");
    // The delivery loop: the gate waits for CI, approves, production fails, the rollback is automatic.
    // GitHub Free, private: no protection rule is ever asked; the app holds each gate itself.
    expect(stdout).not.toContain("deployment_protection_rule");
    expect(stdout).toMatch(/Promotion to production is held by the checks gate \(`gate_checks`\): Waiting for required checks/);
    expect(stdout).toMatch(/Promotion to production is held by the approval gate \(`waiting_approval`\): Waiting for 1 approval from @\u200b?acme\/release-managers/);
    expect(stdout).toMatch(/⛔ \*\*Refused\*\* \(`self_approval`\) for alice: alice wrote this change/);
    expect(stdout).toMatch(/buttons: \[Approve production\] \(approve:1:\d+\)/);
    expect(stdout).toMatch(/⛔ \*\*Refused\*\* \(`outdated`\) for bob: [0-9a-f]{7} is older than what production runs/);
    expect(stdout).toMatch(/to production -> failure \(version verified live, \d+ failed probes\)/);
    expect(stdout).toMatch(/"trigger":"auto_rollback","actor":"bob","pr":4,"stage":1,"source":"status:\d+","replaces":"[0-9a-f]{40}","replaces_deployment":\d+\}\}; in_progress -> success/);
    expect(stdout).toMatch(/↩️ \*\*production rolled back to `[0-9a-f]{7}`\*\* \(deployment \d+, \d+m?s\)/);
    expect(stdout).toMatch(/- \S+ · ❌ \*\*Deploying `[0-9a-f]{7}` to production failed\*\* .*Rolling back automatically to `[0-9a-f]{7}` \(deployment \d+\)\./);
    // Migrations run in each deploy, on the embedded default (PGlite), before the new version.
    expect(stdout).toMatch(/ran actions\/migrate for [0-9a-f]{7} on staging's database \(PGlite\): ok, applied 1 \(V1__create_orders\.sql\), 0 lint findings/);
    expect(stdout).toMatch(/ran actions\/migrate for [0-9a-f]{7} on production's database \(PGlite\): ok, applied 1 \(V2__order_vouchers\.sql\), 0 lint findings/);
    // Release notes for the production deploy: from what production ran (the rollback) to the new SHA.
    expect(stdout).toMatch(/release \d{4}-\d{2}-\d{2}-[0-9a-f]{7} \(published, tag at [0-9a-f]{7}\), written from what production did not run yet:/);
    expect(stdout).toMatch(/Since `[0-9a-f]{7}`, the last successful deployment of production \(deployment \d+, a rollback\)\./);
    expect(stdout).toContain("### ⚡ Performance");
    expect(stdout).toContain("- faster checkout (#2) by @alice");
    expect(stdout).toContain("Every request was checked against GitHub's OpenAPI description and app.yml's permissions, on a private repository: all accepted.");
    // `--serve`: the dashboard on what the story made, signed in as the printed demo user.
    expect(stdout).toMatch(/Open the dashboard: http:\/\/\S+\/dashboard/);
    expect(dashboard).toContain("<h1>acme/shop</h1>");
    expect(dashboard).toMatch(/<tr><th scope="row">production<\/th><td>\d+ \(/);
  }, 300_000);
});

/**
 * `node dist/demo.js --serve`: the story, then the emulator and the app kept running. The
 * dashboard is read as a browser would (sign in, follow GitHub's redirects), then the demo is
 * stopped with Ctrl-C and must exit 0.
 */
async function runServing(): Promise<{ stdout: string; dashboard: string }> {
  const child = spawn(process.execPath, ["dist/demo.js", "--serve"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + 280_000;
  while (!stdout.includes("Stop with Ctrl-C.") && child.exitCode === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
  if (!stdout.includes("Stop with Ctrl-C.")) {
    child.kill("SIGKILL");
    throw new Error(`the demo did not reach --serve:\n${stdout}\n${stderr}`);
  }
  const base = /Open the dashboard: (http:\/\/\S+)\/dashboard/.exec(stdout)![1]!;
  const page = await fetch(`${base}/dashboard/acme/shop`, { headers: { cookie: await signInCookies(base) } });
  const dashboard = await page.text();
  child.kill("SIGINT");
  expect(await exited).toBe(0);
  return { stdout, dashboard };
}
