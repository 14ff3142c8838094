// `npm run demo`: the whole loop on this machine. GitHub is the emulator (GitHub's OpenAPI
// description with state), the app is dist/app.js exactly as `npm start` runs it, and the
// deploy workflow is a local command started by the `deployment` event.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { shortSha } from "../shared/render/markdown.js";
import { projectRoot } from "../test/emulator/root.js";
import { generateAppKey, startApp, type RunningApp } from "../test/emulator/app-process.js";
import { startEmulator, type Emulator, type RecordedRequest } from "../test/emulator/index.js";

const REPO = "acme/shop";
/** `npm run demo -- --serve`: keep the emulator and the app running after the story, for the dashboard. */
const SERVE = process.argv.includes("--serve");
const APP_ID = 1001;
const started = Date.now();
const run = promisify(execFile);

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const clock = () => `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`;
const say = (line: string) => console.log(`         ${line}`);

const figures: Array<{ step: string; requests: number }> = [];

/** Requests like `GET contents ×2, POST deployments`: what the app spent on a step. */
function summarise(requests: RecordedRequest[]): string {
  const counts = new Map<string, number>();
  for (const r of requests) {
    const route = `${r.method} ${r.path.split("?")[0]!.replace(/^\/repos\/[^/]+\/[^/]+\//, "").replace(/\/[0-9a-f]{40}\b/, "/{sha}").replace(/\/\d+\b/, "/{id}")}`;
    counts.set(route, (counts.get(route) ?? 0) + 1);
  }
  return [...counts].map(([route, n]) => (n > 1 ? `${route} ×${n}` : route)).join(", ");
}

/**
 * One step of the story: its title says what happens, `act` makes it happen, and `holds`
 * checks that it did (a title is a claim; the demo stops when one is false).
 */
async function step(emulator: Emulator, title: string, act: () => void | Promise<void>, holds?: () => boolean): Promise<void> {
  const before = emulator.requests.length;
  const deliveriesBefore = emulator.deliveries.length;
  console.log(`${clock()} ${bold(title)}`);
  await act();
  await emulator.settled();
  const delivered = emulator.deliveries.slice(deliveriesBefore);
  const names = (skipped: boolean) => delivered.filter((d) => Boolean(d.skipped) === skipped).map((d) => (d.action ? `${d.event}.${d.action}` : d.event));
  const sent = delivered.filter((d) => !d.skipped).map((d) => `${d.action ? `${d.event}.${d.action}` : d.event} (app answered ${d.status})`);
  if (sent.length) say(dim(`webhooks to the app: ${sent.join(", ")}`));
  if (names(true).length) say(dim(`events the app does not subscribe to: ${[...new Set(names(true))].join(", ")}`));
  const made = emulator.requests.slice(before).filter((r) => r.actor === "shipline[bot]");
  say(`app requests to GitHub: ${made.length}${made.length ? ` (${summarise(made)})` : ""}`);
  figures.push({ step: title, requests: made.length });
  if (holds && !holds()) throw new Error(`the demo's step did not happen as its title says: ${title}`);
}

/** The service being delivered: one version per environment, set by the deploy command. */
async function startShop(): Promise<{ url: string; crashing: Set<string>; close: () => Promise<void> }> {
  const versions = new Map<string, string>();
  /** `environment:version` pairs that start but never become healthy (a bad release). */
  const crashing = new Set<string>();
  const server = createServer((req, res) => {
    const [, environment = "", what = ""] = new URL(req.url ?? "/", "http://shop").pathname.split("/");
    if (req.method === "POST" && what === "release") {
      versions.set(environment, new URL(req.url ?? "/", "http://shop").searchParams.get("version") ?? "");
      return res.end("released");
    }
    if (what === "health") {
      res.statusCode = crashing.has(`${environment}:${versions.get(environment) ?? ""}`) ? 503 : 200;
      return res.end(res.statusCode === 200 ? "ok" : "payment service not configured");
    }
    if (what === "version") return res.end(JSON.stringify({ sha: versions.get(environment) ?? "none" }));
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, crashing, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * The repository's deploy workflow (`on: deployment`): the real actions/deploy bundle, run as
 * a runner runs it, whose command releases the SHA to the shop service.
 */
function deployWorkflow(emulator: Emulator, shop: string, databases: string) {
  const token = emulator.workflowToken();
  const root = projectRoot();
  return async (payload: Record<string, any>) => {
    const { id, sha, environment } = payload.deployment;
    await migrateStep(emulator, root, sha, environment, join(databases, environment));
    const dir = mkdtempSync(join(tmpdir(), "shipline-demo-"));
    writeFileSync(join(dir, "event.json"), JSON.stringify(payload));
    writeFileSync(join(dir, "output"), "");
    writeFileSync(join(dir, "summary.md"), "");
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      SHOP: shop,
      GITHUB_API_URL: emulator.apiUrl,
      GITHUB_SERVER_URL: `http://${emulator.host}`,
      GITHUB_REPOSITORY: REPO,
      GITHUB_RUN_ID: String(id),
      GITHUB_EVENT_NAME: "deployment",
      GITHUB_EVENT_PATH: join(dir, "event.json"),
      GITHUB_OUTPUT: join(dir, "output"),
      GITHUB_STEP_SUMMARY: join(dir, "summary.md"),
      INPUT_TOKEN: token,
      // Shipline's values reach the command as environment variables, never inside the command text.
      INPUT_COMMAND: `node -e "fetch(process.env.SHOP + '/' + process.env.SHIPLINE_ENVIRONMENT + '/release?version=' + process.env.SHIPLINE_SHA, { method: 'POST' })"`,
      "INPUT_HEALTH-URL": `${shop}/${environment}/health`,
      "INPUT_VERSION-URL": `${shop}/${environment}/version`,
      "INPUT_VERSION-FIELD": "sha",
      "INPUT_ENVIRONMENT-URL": `https://${environment}.shop.example`,
      INPUT_TIMEOUT: "3s",
      "INPUT_PROBE-INTERVAL": "100ms",
    };
    const result = await run(process.execPath, [join(root, "actions/deploy/dist/index.js")], { env }).then(
      () => "success",
      () => "failure",
    );
    const outputs = readFileSync(join(dir, "output"), "utf8");
    const probes = /failed-probes<<(\S+)\n(\d+)/.exec(outputs)?.[2] ?? "?";
    rmSync(dir, { recursive: true, force: true });
    say(`workflow "deploy" ran actions/deploy for deployment ${id}: ${shortSha(sha)} to ${environment} -> ${result} (version verified live, ${probes} failed probes)`);
  };
}

/**
 * The workflow's first step: the real actions/migrate bundle on the checkout of the deployed
 * SHA, against that environment's database (PGlite kept on disk: the embedded default).
 */
async function migrateStep(emulator: Emulator, root: string, sha: string, environment: string, database: string): Promise<void> {
  const tree = emulator.scenario.repo(REPO).commits.get(sha)?.files ?? new Map<string, string>();
  const checkout = mkdtempSync(join(tmpdir(), "shipline-demo-checkout-"));
  mkdirSync(join(checkout, "migrations"));
  for (const [path, content] of tree) if (path.startsWith("migrations/")) writeFileSync(join(checkout, path), content);
  const output = join(checkout, "output");
  writeFileSync(output, "");
  const env = { PATH: process.env.PATH ?? "", GITHUB_WORKSPACE: checkout, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: join(checkout, "summary.md"), GITHUB_ACTOR: "shipline-demo", "INPUT_PGLITE-DATA-DIR": database, INPUT_MODE: "apply" };
  writeFileSync(env.GITHUB_STEP_SUMMARY, "");
  const result = await run(process.execPath, [join(root, "actions/migrate/dist/index.js")], { env }).then(
    () => "ok",
    () => "failed",
  );
  const outputs = readFileSync(output, "utf8");
  const value = (name: string) => new RegExp(`${name}<<(\\S+)\n([^\n]*)`).exec(outputs)?.[2] ?? "?";
  const applied = [...(readFileSync(env.GITHUB_STEP_SUMMARY, "utf8").matchAll(/^\| (V\S+?\.sql|R\S+?\.sql) \| \d+ ms \|$/gm))].map((m) => m[1]!.replace(/\\/g, ""));
  rmSync(checkout, { recursive: true, force: true });
  say(`workflow "deploy" ran actions/migrate for ${shortSha(sha)} on ${environment}'s database (PGlite): ${result}, applied ${value("applied")}${applied.length ? ` (${applied.join(", ")})` : ""}, ${value("findings")} lint findings`);
}

function showCheckRun(emulator: Emulator, sha: string): void {
  const runs = [...emulator.scenario.repo(REPO).checkRuns.values()].filter((r) => r.head_sha === sha);
  for (const r of runs) {
    say(`check run "${r.name}" on ${sha.slice(0, 7)}: ${r.conclusion} — ${r.output.title}`);
    if (r.actions.length) say(`  buttons: ${r.actions.map((a) => `[${a.label}] (${a.identifier})`).join(" ")}`);
    for (const line of (r.output.summary ?? "").split("\n").filter((l) => l.startsWith("|") || l.startsWith("- "))) say(dim(`  ${line}`));
  }
}

function showDeployments(emulator: Emulator, sha: string): void {
  for (const d of emulator.scenario.repo(REPO).deployments.values()) {
    if (d.sha !== sha) continue;
    const states = [...d.statuses].reverse().map((s) => s.state).join(" -> ") || "no status yet";
    say(`deployment ${d.id}: ${d.sha.slice(0, 7)} to ${d.environment} by ${d.creator.login}, payload ${JSON.stringify(d.payload)}; ${states}`);
  }
}

async function main(): Promise<void> {
  console.log(bold("Shipline demo: GitHub emulated on loopback, the real app, the real deploy action\n"));
  const privateKey = generateAppKey();
  const webhookSecret = randomBytes(20).toString("hex");
  const emulator = await startEmulator({ webhookSecret, appId: APP_ID, privateKey, oauth: { clientId: "Iv1.demo", clientSecret: randomBytes(20).toString("hex") } });
  let app: RunningApp | undefined;
  let closeShop = async () => {};
  try {
    // The dashboard's "Sign in with GitHub" uses the app's OAuth credentials, as `npm run setup` records them.
    app = await startApp(emulator, { appId: APP_ID, privateKey, webhookSecret, env: { GITHUB_CLIENT_ID: emulator.oauth.clientId, GITHUB_CLIENT_SECRET: emulator.oauth.clientSecret, SESSION_SECRET: randomBytes(32).toString("hex") } });
    console.log(`${clock()} GitHub emulator at ${emulator.apiUrl}; app (dist/app.js) at ${app.webhookUrl}`);
    say(dim("a fresh app key was generated; the app authenticates with it and every webhook is signed"));
    const shop = await startShop();
    const databases = mkdtempSync(join(tmpdir(), "shipline-demo-databases-"));
    closeShop = async () => {
      await shop.close();
      rmSync(databases, { recursive: true, force: true });
    };
    emulator.onWorkflowEvent("deployment", deployWorkflow(emulator, shop.url, databases));
    const { scenario } = emulator;
    // Private on GitHub Free, where most teams are: no custom protection rule, no required
    // reviewers. Every gate and approval below is Shipline's own.
    scenario.createRepo(REPO, { files: { "index.js": "console.log('shop')\n", "migrations/V1__create_orders.sql": "CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric NOT NULL);\n" } });
    scenario.addTeamMember("acme", "release-managers", "carol");
    scenario.addTeamMember("acme", "release-managers", "alice");
    scenario.setRole(REPO, "alice", "write");
    scenario.setRole(REPO, "bob", "maintain");
    scenario.setRole(REPO, "carol", "admin");
    scenario.setRole(REPO, "mallory", "read");
    const deploymentsTo = (environment: string, sha?: string) => [...scenario.repo(REPO).deployments.values()].filter((d) => d.environment === environment && (!sha || d.sha === sha));
    const latestState = (d: { statuses: Array<{ state: string }> } | undefined) => d?.statuses[0]?.state;
    const lastComment = (number: number) => [...scenario.repo(REPO).comments.values()].find((c) => c.issue_number === number && c.user.login === "shipline[bot]")?.body ?? "";

    let prNumber = 0;
    await step(emulator, `alice opens a pull request "feat: add a shopping cart" on ${REPO}`, () => {
      prNumber = scenario.openPullRequest(REPO, { branch: "cart", title: "feat: add a shopping cart", author: "alice", files: { "cart.js": "export const cart = []\n" } }).number;
    });

    let mergeSha = "";
    await step(
      emulator,
      `bob merges pull request #${prNumber}: the merged commit becomes a deployment to staging`,
      () => {
        mergeSha = scenario.mergePullRequest(REPO, prNumber, { by: "bob" }).sha;
      },
      () => deploymentsTo("staging").some((d) => d.sha === mergeSha),
    );
    showDeployments(emulator, mergeSha);
    showCheckRun(emulator, mergeSha);

    const beforeRedelivery = scenario.repo(REPO).deployments.size;
    await step(
      emulator,
      "GitHub redelivers the merge's push webhook (same delivery id): nothing new is created",
      () => {
        emulator.redeliver(emulator.deliveries.filter((d) => d.event === "push" && !d.skipped).at(-1)!.id);
      },
      () => scenario.repo(REPO).deployments.size === beforeRedelivery,
    );
    say(`deployments of ${mergeSha.slice(0, 7)}: ${[...scenario.repo(REPO).deployments.values()].filter((d) => d.sha === mergeSha).length}`);

    const comment = (user: string, number: number, body: string) => () => void scenario.comment(REPO, number, { user, body });
    const outcome = (number: number) => {
      const body = [...scenario.repo(REPO).comments.values()].find((c) => c.issue_number === number && c.user.login === "shipline[bot]")?.body ?? "";
      say(`Shipline's comment on #${number}: ${body.split("\n").find((l) => /^(⛔|🚀|🧪|✅|❌|↩️|⏳|👍)/u.test(l)) ?? "(none)"}`);
    };

    await step(emulator, `bob comments "/deploy production" on #${prNumber} (merged): its merge commit goes to production`, comment("bob", prNumber, "/deploy production"), () => deploymentsTo("production").some((d) => d.sha === mergeSha));
    outcome(prNumber);
    showDeployments(emulator, mergeSha);

    let second = 0;
    await step(emulator, `alice opens pull request "perf: faster checkout" and comments "/deploy staging" to preview it`, () => {
      second = scenario.openPullRequest(REPO, { branch: "checkout", title: "perf: faster checkout", author: "alice", files: { "checkout.js": "export const fast = true\n" } }).number;
      scenario.comment(REPO, second, { user: "alice", body: "/deploy staging" });
    });
    outcome(second);

    await step(emulator, `carol (admin) comments "/lock production incident 4521" on #${second}`, comment("carol", second, "/lock production incident 4521"), () => scenario.repo(REPO).refs.has("refs/shipline/locks/production"));
    outcome(second);
    const beforeLocked = deploymentsTo("production").length;
    await step(emulator, `bob comments "/deploy production" on #${second}: production is locked`, comment("bob", second, "/deploy production"), () => deploymentsTo("production").length === beforeLocked && lastComment(second).includes("(`locked`)"));
    outcome(second);
    await step(emulator, `carol comments "/unlock production"`, comment("carol", second, "/unlock production"), () => !scenario.repo(REPO).refs.has("refs/shipline/locks/production"));
    outcome(second);

    let secondMerge = "";
    await step(emulator, `bob merges #${second} (staging follows) and comments "/deploy production"`, () => {
      secondMerge = scenario.mergePullRequest(REPO, second, { by: "bob" }).sha;
      scenario.comment(REPO, second, { user: "bob", body: "/deploy production" });
    });
    showDeployments(emulator, secondMerge);

    await step(emulator, `carol comments "/rollback production": back to the last good version`, comment("carol", second, "/rollback production"), () => deploymentsTo("production").at(-1)?.task === "deploy:rollback" && deploymentsTo("production").at(-1)?.sha === mergeSha);
    outcome(second);
    showDeployments(emulator, mergeSha);
    const finalComment = [...scenario.repo(REPO).comments.values()].find((c) => c.issue_number === second && c.user.login === "shipline[bot]")!;
    console.log(dim(finalComment.body.split("\n").map((l) => `           ${l}`).join("\n")));

    let brokenSha = "";
    await step(emulator, "alice pushes a broken .github/shipline.yml: a failing check run says what is wrong", () => {
      brokenSha = scenario.push(REPO, {
        message: "ci: configure Shipline",
        author: "alice",
        files: { ".github/shipline.yml": "stages:\n  - environment: staging\n    auto: true\n    soak: thirty minutes\n  - enviroment: production\n" },
      }).sha;
    });
    showDeployments(emulator, brokenSha);
    showCheckRun(emulator, brokenSha);

    // The delivery loop: production promoted automatically behind Shipline's own gates and
    // approvals (no protection rule on this plan), rolled back automatically when a release fails.
    const pipeline = [
      "stages:",
      "  - environment: staging",
      "    auto: true",
      "    url: https://staging.shop.example",
      "  - environment: production",
      "    auto: true              # promoted after staging succeeds",
      "    production: true",
      "    url: https://shop.example",
      "    checks: [ci/test]       # Shipline's gate: CI green on that exact SHA",
      '    approvals: { count: 1, from: ["@acme/release-managers"] }',
      "    auto_rollback: true",
      "release_notes:",
      "  enabled: true            # written when production succeeds",
      "  publish: release",
      "",
    ].join("\n");
    let fixedSha = "";
    let fix = 0;
    await step(emulator, "alice's pull request fixes the config and bob merges it: production now follows staging automatically, behind CI and a release manager", () => {
      fix = scenario.openPullRequest(REPO, { branch: "fix-config", title: "fix(ci): a valid Shipline config", author: "alice", files: { ".github/shipline.yml": pipeline } }).number;
      fixedSha = scenario.mergePullRequest(REPO, fix, { by: "bob" }).sha;
    });
    showDeployments(emulator, fixedSha);
    const latest = (number: number) => /^<!-- shipline:latest [^\n]*\n(.+)$/m.exec(lastComment(number))?.[1] ?? "";
    const held = (number: number) => say(`Shipline's comment on #${number}: ${latest(number)}`);
    held(fix);
    const productionCount = deploymentsTo("production").length;

    await step(
      emulator,
      `CI reports ci/test green on ${shortSha(fixedSha)}: the promotion now waits for a release manager's approval`,
      () => scenario.check(REPO, fixedSha, "ci/test", "success"),
      () => deploymentsTo("production").length === productionCount && latest(fix).includes("waiting_approval"),
    );
    held(fix);
    showCheckRun(emulator, fixedSha);

    await step(emulator, `alice (a release manager, but the author) comments "/approve production" on #${fix}: refused`, comment("alice", fix, "/approve production"), () => latest(fix).includes("(`self_approval`)"));
    outcome(fix);
    await step(
      emulator,
      `carol (release manager) comments "/approve production": production deploys, release notes are written`,
      comment("carol", fix, "/approve production"),
      () => latestState(deploymentsTo("production").find((d) => d.sha === fixedSha)) === "success" && [...scenario.repo(REPO).releases.values()].some((r) => r.target_commitish === fixedSha),
    );
    showDeployments(emulator, fixedSha);
    const notes = [...scenario.repo(REPO).releases.values()].at(-1);
    if (!notes) throw new Error("no release notes were written for the production deployment");
    say(`release ${notes.tag_name} (${notes.draft ? "draft" : "published"}, tag at ${shortSha(notes.target_commitish)}), written from what production did not run yet:`);
    console.log(dim((notes.body ?? "").split("\n").map((l) => `           ${l}`).join("\n")));

    let third = 0;
    let risky = "";
    await step(emulator, `alice's pull request "feat(payments): pay with vouchers" is merged by bob: staging, then production waits for CI and an approval`, () => {
      third = scenario.openPullRequest(REPO, { branch: "vouchers", title: "feat(payments): pay with vouchers", author: "alice", files: { "vouchers.js": "export const vouchers = true\n", "migrations/V2__order_vouchers.sql": "-- Expand: a nullable column, which the running version ignores.\nALTER TABLE orders ADD COLUMN voucher text;\n" } }).number;
      risky = scenario.mergePullRequest(REPO, third, { by: "bob" }).sha;
      // This release starts in staging, but never becomes healthy in production.
      shop.crashing.add(`production:${risky}`);
    });
    held(third);

    await step(emulator, "CI goes green: the promotion waits for an approval", () => scenario.check(REPO, risky, "ci/test", "success"), () => latest(third).includes("waiting_approval"));
    const approveRun = [...scenario.repo(REPO).checkRuns.values()].filter((r) => r.head_sha === risky && r.app.login === "shipline[bot]").at(-1)!;
    await step(
      emulator,
      `carol clicks "Approve production" on the check run; production fails its health check and Shipline rolls it back automatically`,
      () => void scenario.clickButton(REPO, approveRun.id, approveRun.actions.find((a) => a.identifier.startsWith("approve:"))!.identifier, "carol"),
      () => latestState(deploymentsTo("production").find((d) => d.sha === risky)) === "failure" && deploymentsTo("production").at(-1)?.task === "deploy:rollback",
    );
    showDeployments(emulator, risky);
    showDeployments(emulator, fixedSha);
    showCheckRun(emulator, risky);
    const story = [...scenario.repo(REPO).comments.values()].find((c) => c.issue_number === third && c.user.login === "shipline[bot]")!;
    say(`Shipline's comment on #${third}:`);
    console.log(dim(story.body.split("\n").map((l) => `           ${l}`).join("\n")));

    await step(emulator, `bob comments "/deploy production" on #${prNumber}: its commit is older than what production runs`, comment("bob", prNumber, "/deploy production"), () => latest(prNumber).includes("(`outdated`)"));
    outcome(prNumber);

    // A freeze window over today, and an admin's emergency deploy through it, recorded.
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const frozen = pipeline.replace("    auto_rollback: true\n", `    auto_rollback: true\n    freeze:\n      - { from: "${day(-1)} 00:00", to: "${day(2)} 00:00", reason: "holiday sales" }\n`);
    let freeze = 0;
    let freezeSha = "";
    await step(emulator, "alice's pull request freezes production for the holiday sales; bob merges it and CI is green: the promotion is held by the freeze", () => {
      freeze = scenario.openPullRequest(REPO, { branch: "freeze", title: "chore: freeze production for the holiday sales", author: "alice", files: { ".github/shipline.yml": frozen } }).number;
      freezeSha = scenario.mergePullRequest(REPO, freeze, { by: "bob" }).sha;
      scenario.check(REPO, freezeSha, "ci/test", "success");
    }, () => latest(freeze).includes("(`gate_freeze`)"));
    held(freeze);
    await step(emulator, `carol approves it; bob comments "/deploy production" on #${freeze}: refused in the freeze`, () => {
      scenario.comment(REPO, freeze, { user: "carol", body: "/approve production" });
      scenario.comment(REPO, freeze, { user: "bob", body: "/deploy production" });
    }, () => latest(freeze).includes("(`gate_freeze`)") && deploymentsTo("production", freezeSha).length === 0);
    outcome(freeze);
    await step(
      emulator,
      `carol (admin) comments "/deploy production --override-freeze": deployed through the freeze, the override recorded in the deployment`,
      comment("carol", freeze, "/deploy production --override-freeze"),
      () => latestState(deploymentsTo("production", freezeSha)[0]) === "success" && (deploymentsTo("production", freezeSha)[0]?.payload as { shipline?: { override_freeze?: boolean } }).shipline?.override_freeze === true,
    );
    showDeployments(emulator, freezeSha);

    const rejected = emulator.requests.filter((r) => r.rejectedByDescription || r.invalidResponse || r.forbidden || r.unimplemented);
    console.log(`\n${bold("Requests the app made to GitHub, per step")} (installation tokens aside)`);
    for (const f of figures) console.log(`  ${String(f.requests).padStart(3)}  ${f.step}`);
    console.log(`\nEvery request was checked against GitHub's OpenAPI description and app.yml's permissions, on a private repository: ${rejected.length === 0 ? "all accepted" : `${rejected.length} rejected`}.`);
    if (rejected.length > 0) throw new Error(`requests GitHub would reject: ${JSON.stringify(rejected, null, 2)}`);
    console.log(`Done in ${((Date.now() - started) / 1000).toFixed(1)}s.`);
    if (SERVE) {
      // A newcomer opens the dashboard on what the story made: the emulated GitHub signs the browser in as carol.
      emulator.signInAs("carol");
      const base = app.webhookUrl.replace(/\/api\/github\/webhooks$/, "");
      console.log(`\n${bold("The emulator and the app keep running.")} Open the dashboard: ${base}/dashboard`);
      console.log(`"Sign in with GitHub" signs you in as carol (release manager, admin of ${REPO}) on the emulated GitHub at http://${emulator.host}.`);
      console.log("Stop with Ctrl-C.");
      await new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
    }
  } finally {
    await app?.stop();
    await closeShop();
    await emulator.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
