import { randomBytes } from "node:crypto";
import { generateAppKey, startApp, type RunningApp } from "../emulator/app-process.js";
import { startEmulator, type Emulator } from "../emulator/index.js";

export const HOSTILE_TITLE = "<img src=x onerror=alert(1)>";

/**
 * The dashboard's world: the emulator (with GitHub's web flow), dist/app.js with the app's OAuth
 * credentials, and a scripted history on a private repository: a release that reached
 * production, and one (with a hostile title) that failed there and was rolled back automatically.
 * alice may read `acme/shop`; only bob may read `acme/vault`; eve reads neither.
 */
export async function startDashboardWorld(): Promise<{ emulator: Emulator; app: RunningApp; base: string; close: () => Promise<void> }> {
  const privateKey = generateAppKey();
  const webhookSecret = randomBytes(16).toString("hex");
  const appId = 5151;
  const emulator = await startEmulator({ webhookSecret, appId, privateKey, oauth: { clientId: "Iv1.dashboard", clientSecret: "dashboard-secret" } });
  const app = await startApp(emulator, { appId, privateKey, webhookSecret, env: { GITHUB_CLIENT_ID: "Iv1.dashboard", GITHUB_CLIENT_SECRET: "dashboard-secret", SESSION_SECRET: randomBytes(32).toString("hex") } });
  const base = app.webhookUrl.replace(/\/api\/github\/webhooks$/, "");
  const failing = new Set<string>();
  emulator.onWorkflowEvent("deployment", async (payload) => {
    const { id, sha, environment } = payload.deployment;
    await emulator.reportDeploymentStatus(payload.repository.full_name, id, { state: "in_progress" });
    await emulator.reportDeploymentStatus(payload.repository.full_name, id, { state: failing.has(`${environment}:${sha}`) ? "failure" : "success", log_url: `https://ci.example/${id}`, environment_url: `https://${environment}.shop.example` });
  });
  const config = "stages:\n  - environment: staging\n    auto: true\n    checks: none\n  - environment: production\n    auto: true\n    production: true\n    checks: none\n    auto_rollback: true\n";
  const { scenario } = emulator;
  scenario.createRepo("acme/shop", { files: { ".github/shipline.yml": config } });
  scenario.createRepo("acme/vault", { files: { ".github/shipline.yml": config } });
  scenario.setRole("acme/shop", "alice", "write");
  scenario.setRole("acme/shop", "bob", "maintain");
  scenario.setRole("acme/vault", "bob", "admin");
  const release = async (title: string, fail: boolean) => {
    const pr = scenario.openPullRequest("acme/shop", { branch: title.replace(/\W+/g, "-").toLowerCase() || "x", title, author: "alice" });
    // The merge commit's SHA is known only once merged: fail it in production as soon as it exists.
    const sha = scenario.mergePullRequest("acme/shop", pr.number, { by: "bob" }).sha;
    if (fail) failing.add(`production:${sha}`);
    await emulator.settled();
    return sha;
  };
  await release("feat: a shopping cart", false);
  await release(HOSTILE_TITLE, true);
  return {
    emulator,
    app,
    base,
    close: async () => {
      await app.stop();
      await emulator.close();
    },
  };
}

/**
 * Signs a browser in through the web flow as the emulator's signed-in user (`signInAs`), the
 * way a browser follows the redirects: /login → GitHub's authorize → /login/callback. Answers the
 * Cookie header the dashboard then reads.
 */
export async function signInCookies(base: string): Promise<string> {
  const cookies: string[] = [];
  const keep = (r: Response) => cookies.push(...r.headers.getSetCookie().map((c) => c.split(";")[0]!));
  const start = await fetch(`${base}/login`, { redirect: "manual" });
  keep(start);
  const back = await fetch(start.headers.get("location")!, { redirect: "manual" });
  keep(await fetch(back.headers.get("location")!, { redirect: "manual", headers: { cookie: cookies.join("; ") } }));
  return cookies.join("; ");
}
