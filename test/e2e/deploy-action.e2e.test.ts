import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployDefaults, deployInputs } from "../../actions/deploy/inputs.js";
import { testInputs } from "../../actions/test/inputs.js";
import { buildInputs } from "../../actions/build/inputs.js";
import { migrateInputs } from "../../actions/migrate/inputs.js";
import { releaseNotesInputs } from "../../actions/release-notes/inputs.js";
import { startEmulator, type Emulator } from "../emulator/index.js";
import { runActionBundle } from "../helpers/action-runner.js";
import { expectContractKept } from "../helpers/loop.js";
import { expectManifestMatchesSchema } from "../helpers/action-manifest.js";

const root = new URL("../../", import.meta.url).pathname;
const REPO = "acme/web";

/** The service being deployed: its health and version, and an admin hook the deploy commands call. */
function startService() {
  const state = { version: "old", healthy: true, failNext: 0, hits: 0 };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/admin") {
      if (url.searchParams.has("version")) state.version = url.searchParams.get("version")!;
      if (url.searchParams.has("healthy")) state.healthy = url.searchParams.get("healthy") === "1";
      // An outage counted in answers, not in time: the next N health checks fail, however slow the machine.
      if (url.searchParams.has("fail-next")) state.failNext = Number(url.searchParams.get("fail-next"));
      return res.end("ok");
    }
    state.hits++;
    let up = state.healthy;
    if (url.pathname === "/health" && state.failNext > 0) {
      state.failNext--;
      up = false;
    }
    if (url.pathname === "/health") {
      res.statusCode = up ? 200 : 503;
      return res.end(up ? "ok" : "down");
    }
    if (url.pathname === "/version") {
      res.setHeader("content-type", "application/json");
      return res.end(JSON.stringify({ build: { sha: state.version } }));
    }
    res.statusCode = 404;
    res.end();
  });
  return { state, server };
}

describe("actions/deploy, run from its bundle as a runner runs it", () => {
  let emulator: Emulator;
  let service: ReturnType<typeof startService>;
  let base = "";
  let token = "";

  beforeAll(async () => {
    emulator = await startEmulator({ webhookSecret: "s", appId: 1 });
    emulator.scenario.createRepo(REPO);
    token = emulator.workflowToken();
    service = startService();
    await new Promise<void>((resolve) => service.server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(service.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    expectContractKept(emulator);
    await emulator.close();
    await new Promise<void>((resolve) => service.server.close(() => resolve()));
  });

  /** A deployment of a new commit, as Shipline would have created it. */
  const newDeployment = (environment = "staging") =>
    emulator.scenario.createDeployment(REPO, { sha: emulator.scenario.push(REPO, { message: `release ${Date.now()}`, author: "alice" }).sha, environment, production: false });
  const statesOf = (id: number) => [...emulator.state.repo("acme", "web")!.deployments.get(id)!.statuses].reverse().map((s) => s.state);

  const runAction = (inputs: Record<string, string>, deployment: { id: number; sha: string; ref: string; environment: string } | null, entry = "actions/deploy/dist/index.js") =>
    runActionBundle({
      emulator,
      entry,
      repository: REPO,
      token,
      inputs: { timeout: "3s", "probe-interval": "1s", ...inputs },
      event: deployment ? { deployment, repository: { full_name: REPO } } : {},
    });

  const setVersion = `node -e "fetch('${"BASE"}/admin?version=' + process.env.SHIPLINE_SHA, { method: 'POST' })"`;
  const deployCommand = () => setVersion.replace("BASE", base);

  it("declares in action.yml exactly the inputs and defaults its schema reads", () => {
    expectManifestMatchesSchema("deploy", deployInputs, deployDefaults);
  });

  it("deploys: in_progress -> command -> healthy -> the new version live -> success, with outputs and a summary", async () => {
    service.state.healthy = true;
    const d = newDeployment();
    const started = performance.now();
    const run = await runAction(
      { command: `sleep 1 && ${deployCommand()}`, "health-url": `${base}/health`, "version-url": `${base}/version`, "version-field": "build.sha", "environment-url": "https://staging.web.example" },
      d,
    );
    const elapsed = (performance.now() - started) / 1000;
    expect(run.code).toBe(0);
    expect(service.state.version).toBe(d.sha);
    expect(statesOf(d.id)).toEqual(["in_progress", "success"]);
    const status = emulator.state.repo("acme", "web")!.deployments.get(d.id)!.statuses[0]!;
    expect(status).toMatchObject({ environment_url: "https://staging.web.example", log_url: `http://${emulator.host}/${REPO}/actions/runs/4242` });
    expect(run.outputs).toMatchObject({ status: "success", url: "https://staging.web.example", "failed-probes": "0" });
    // The deployment's duration: at least the command's one second, at most the whole step.
    expect(Number(run.outputs.duration)).toBeGreaterThanOrEqual(1);
    expect(Number(run.outputs.duration)).toBeLessThanOrEqual(Math.ceil(elapsed * 10) / 10);
    expect(run.summary).toContain(`✅ Deployed: ${d.sha.slice(0, 7)} to staging`);
    expect(run.summary).toMatch(/0 failed of \d+ probes/);
  });

  it("runs nothing when a gate is closed, on every plan: a deployment created by hand of a commit that never ran on staging", async () => {
    const d = newDeployment("production");
    const before = service.state.version;
    const requestsBefore = emulator.requests.length;
    const run = await runAction({ command: deployCommand() }, d);
    expect(run.code).toBe(1);
    // The pre-flight costs 3 requests (facts, check runs, statuses); then the failure status.
    expect(emulator.requests.slice(requestsBefore).map((r) => `${r.method} ${r.path.split("?")[0]!.replace(d.sha, "<sha>")}`).sort()).toEqual(
      ["POST /graphql", "GET /repos/acme/web/commits/<sha>/check-runs", "GET /repos/acme/web/commits/<sha>/statuses", `POST /repos/acme/web/deployments/${d.id}/statuses`].sort(),
    );
    expect(service.state.version).toBe(before);
    expect(statesOf(d.id)).toEqual(["failure"]);
    const status = emulator.state.repo("acme", "web")!.deployments.get(d.id)!.statuses[0]!;
    expect(status.description).toBe(`order: ${d.sha.slice(0, 7)} has not succeeded in staging, the stage before production.`);
    expect(run.stdout).toContain(`::error::Deployment ${d.id} was not run: order:`);
    expect(run.summary).toContain(`⛔ Not deployed: ${d.sha.slice(0, 7)} to production`);
  });

  it("holds a deployment while a required check fails on its SHA, and during a freeze; a rollback passes both", async () => {
    const d = newDeployment();
    emulator.scenario.check(REPO, d.sha, "ci/test", "failure");
    const red = await runAction({ command: deployCommand() }, d);
    expect(red.code).toBe(1);
    expect(emulator.state.repo("acme", "web")!.deployments.get(d.id)!.statuses[0]!.description).toBe("gate_checks: Required checks failed: `ci/test`.");
    emulator.scenario.push(REPO, { message: "freeze", author: "alice", files: { ".github/shipline.yml": "stages:\n  - environment: staging\n    freeze:\n      - { from: 2020-01-01, to: 2100-01-01, timezone: UTC, reason: audit }\n" } });
    const frozen = newDeployment();
    const cold = await runAction({ command: deployCommand() }, frozen);
    expect(cold.code).toBe(1);
    expect(emulator.state.repo("acme", "web")!.deployments.get(frozen.id)!.statuses[0]!.description).toBe("gate_freeze: staging is frozen (audit) until 2100-01-01 00:00 UTC.");
    const rollback = emulator.scenario.createDeployment(REPO, { sha: frozen.sha, environment: "staging", production: false });
    emulator.state.repo("acme", "web")!.deployments.get(rollback.id)!.task = "deploy:rollback";
    expect((await runAction({ command: deployCommand() }, { ...rollback, task: "deploy:rollback" } as never)).code).toBe(0);
    emulator.scenario.push(REPO, { message: "thaw", author: "alice", files: { ".github/shipline.yml": "stages:\n  - environment: staging\n  - environment: production\n    production: true\n" } });
  });

  it("fails when the health URL never answers 2xx within the timeout", async () => {
    service.state.healthy = false;
    const d = newDeployment();
    const run = await runAction({ command: "true", "health-url": `${base}/health` }, d);
    service.state.healthy = true;
    expect(run.code).toBe(1);
    expect(statesOf(d.id)).toEqual(["in_progress", "failure"]);
    expect(run.outputs.status).toBe("failure");
    expect(run.stdout).toContain(`::error::Deployment ${d.id} failed: ${base}/health did not answer 2xx within 3s`);
  });

  it("fails when the version URL keeps reporting another version", async () => {
    const d = newDeployment();
    const run = await runAction({ command: "true", "version-url": `${base}/version`, "version-field": "build.sha" }, d);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`reports \`${service.state.version}\`, not \`${d.sha}\``);
  });

  it("fails when the deploy command fails", async () => {
    const d = newDeployment();
    const run = await runAction({ command: "echo deploying; exit 3" }, d);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("the deploy command exited with 3");
    expect(statesOf(d.id)).toEqual(["in_progress", "failure"]);
  });

  it("rolls back to the last good SHA of the environment when the deploy fails", async () => {
    // Commits straight to production, so the order gate is off here: this test is about the rollback.
    const good = newDeployment("production");
    expect((await runAction({ command: deployCommand(), "version-url": `${base}/version`, "version-field": "build.sha", gates: "false" }, good)).code).toBe(0);
    const bad = newDeployment("production");
    const run = await runAction({ command: "exit 1", "rollback-command": deployCommand(), gates: "false" }, bad);
    expect(run.code).toBe(1);
    expect(run.outputs["previous-sha"]).toBe(good.sha);
    // The rollback command ran with SHIPLINE_SHA = the last good SHA: the service runs it again.
    expect(service.state.version).toBe(good.sha);
    expect(run.summary).toContain(`rolled back to ${good.sha.slice(0, 7)}`);
    expect(emulator.state.repo("acme", "web")!.deployments.get(bad.id)!.statuses[0]!.description).toContain(`rolled back to ${good.sha.slice(0, 7)}`);
  });

  it("reports a failed rollback too", async () => {
    const bad = newDeployment("production");
    const run = await runAction({ command: "exit 1", "rollback-command": "exit 7", gates: "false" }, bad);
    expect(run.code).toBe(1);
    expect(run.summary).toContain("failed (exit 7)");
    expect(emulator.state.repo("acme", "web")!.deployments.get(bad.id)!.statuses[0]!.description).toContain("failed too");
  });

  it("catches an outage in the middle of the deploy with its availability probes", async () => {
    const d = newDeployment();
    const outage = `node -e "fetch('${base}/admin?fail-next=1', { method: 'POST' })" && sleep 3 && ${deployCommand()}`;
    const reportOnly = await runAction({ command: outage, "health-url": `${base}/health`, "probe-interval": "1s" }, d);
    expect(reportOnly.code).toBe(0);
    expect(reportOnly.outputs["failed-probes"]).toBe("1");
    const strict = await runAction({ command: outage, "health-url": `${base}/health`, "probe-interval": "1s", "max-failed-probes": "0" }, newDeployment());
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/\d+ of \d+ availability probes failed \(at most 0 allowed\)/);
  });

  it("passes Shipline's values as environment variables, never into a shell string", async () => {
    const d = newDeployment("x$(touch${IFS}/tmp/shipline-pwned)`id`");
    rmSync("/tmp/shipline-pwned", { force: true });
    const dir = mkdtempSync(join(tmpdir(), "shipline-env-"));
    const run = await runAction({ command: `printf '%s' "$SHIPLINE_ENVIRONMENT" > ${dir}/env.txt` }, d);
    expect(run.code).toBe(0);
    expect(readFileSync(join(dir, "env.txt"), "utf8")).toBe("x$(touch${IFS}/tmp/shipline-pwned)`id`");
    expect(existsSync("/tmp/shipline-pwned")).toBe(false);
  });

  it("fails the step on a bad input, naming the input and the fix, and touches no deployment", async () => {
    const d = newDeployment();
    const run = await runAction({ command: "true", timeout: "soon", "health-url": "ftp://x" }, d);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Input `health-url`: expected an http(s) URL; got \"ftp://x\". Set it in the step's `with:`.");
    expect(run.stdout).toContain("Input `timeout`: expected a duration like `5m` (s, m, h, d); got \"soon\".");
    expect(statesOf(d.id)).toEqual([]);
  });

  it("runs the same deploy through the umbrella action at the repository root (`run: deploy`)", async () => {
    const manifest = parseYaml(readFileSync(join(root, "action.yml"), "utf8")) as { inputs: Record<string, { default?: string }>; runs: { using: string; main: string } };
    expect(Object.keys(manifest.inputs).sort()).toEqual([...new Set(["run", ...Object.keys(deployInputs.shape), ...Object.keys(testInputs.shape), ...Object.keys(buildInputs.shape), ...Object.keys(migrateInputs.shape), ...Object.keys(releaseNotesInputs.shape)])].sort());
    for (const [name, value] of Object.entries(deployDefaults)) expect(manifest.inputs[name]!.default).toBe(value);
    expect(manifest.runs).toEqual({ using: "node24", main: "actions/umbrella/dist/index.js" });
    const d = newDeployment();
    const run = await runAction({ run: "deploy", command: deployCommand(), "version-url": `${base}/version`, "version-field": "build.sha" }, d, manifest.runs.main);
    expect(run.code).toBe(0);
    expect(run.outputs.status).toBe("success");
    expect(statesOf(d.id)).toEqual(["in_progress", "success"]);
    const bogus = await runAction({ run: "teleport", command: "true" }, newDeployment(), manifest.runs.main);
    expect(bogus.code).toBe(1);
    expect(bogus.stdout).toContain("Input `run`: expected one of `build`, `test`, `migrate`, `deploy`, `release-notes`; got \"teleport\".");
  });

  it("masks the token", async () => {
    const run = await runAction({ command: "true" }, newDeployment());
    expect(run.stdout).toContain(`::add-mask::${token}`);
  });
});
