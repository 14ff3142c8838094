import { readFileSync } from "node:fs";
import * as core from "@actions/core";
import { exec } from "@actions/exec";
import { getOctokit } from "@actions/github";
import { digestOf } from "../../shared/packaging/build-package.js";
import { runDeploy, type DeployDeps, type DeployResult } from "../../shared/packaging/deploy-run.js";
import { GitHubGateway } from "../../shared/github/gateway.js";
import { shortSha } from "../../shared/render/markdown.js";
import { shiplineOf } from "../../shared/github/payload.js";
import { failStep, InputError, readInputs } from "../inputs.js";
import { deployInputs } from "./inputs.js";

interface DeploymentRef {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  task?: string;
  payload?: unknown;
  creator?: { login?: string } | null;
}

/** The digest Shipline put in the deployment's payload (`shipline.digest`), if any. */
function payloadDigest(payload: unknown): string | null {
  const digest = shiplineOf(payload)?.digest;
  return typeof digest === "string" ? digest : null;
}

/** The deployment this job runs: the `deployment` event's, or the one named by `deployment-id`. */
async function deploymentToRun(github: GitHubGateway, id: number | undefined): Promise<DeploymentRef> {
  if (id !== undefined) return github.getDeployment(id);
  const eventPath = process.env.GITHUB_EVENT_PATH;
  const event = eventPath ? (JSON.parse(readFileSync(eventPath, "utf8")) as { deployment?: DeploymentRef }) : {};
  if (!event.deployment) throw new InputError("No deployment to run: trigger the workflow `on: deployment`, or set the `deployment-id` input.");
  return event.deployment;
}

function summary(result: DeployResult, deployment: DeploymentRef): Promise<unknown> {
  const rollback = !result.rollback.attempted
    ? "not needed"
    : result.rollback.exitCode === 0
      ? `rolled back to ${shortSha(result.rollback.toSha!)}`
      : `rollback to ${shortSha(result.rollback.toSha!)} failed (exit ${result.rollback.exitCode})`;
  return core.summary
    .addHeading(`${result.status === "success" ? "✅ Deployed" : "❌ Deployment failed"}: ${shortSha(deployment.sha)} to ${deployment.environment}`, 2)
    .addTable([
      [{ data: "", header: true }, { data: "", header: true }],
      ["Deployment", String(deployment.id)],
      ["Outcome", result.status === "success" ? "success" : `failure: ${result.reason}`],
      ["Availability", `${result.failedProbes} failed of ${result.probes} probes`],
      ["Duration", `${(result.durationMs / 1000).toFixed(1)} s`],
      ["Previous good SHA", result.previousSha ? shortSha(result.previousSha) : "none"],
      ["Rollback", rollback],
      ["URL", result.url ?? "—"],
    ])
    .write();
}

/** The deploy action: inputs and environment in, the core, outputs and a job summary out. */
export async function run(): Promise<void> {
  try {
    const inputs = readInputs(deployInputs, ["token"]);
    const [owner = "", repo = ""] = (process.env.GITHUB_REPOSITORY ?? "").split("/");
    // @actions/github honours GITHUB_API_URL (GitHub Enterprise Server, or the emulator).
    const github = new GitHubGateway(getOctokit(inputs.token), { owner, repo });
    const deployment = await deploymentToRun(github, inputs["deployment-id"]);
    const logUrl = `${process.env.GITHUB_SERVER_URL ?? "https://github.com"}/${owner}/${repo}/actions/runs/${process.env.GITHUB_RUN_ID ?? "0"}`;

    if (inputs.gates) {
      // The gates' code (the config schema, YAML, the facts) loads only when they are asked.
      const { askGates } = await import("../../shared/gates/preflight.js");
      const gates = await askGates(github, deployment, Number(process.env.GITHUB_RUN_ID ?? -1), new Date(), inputs["shipline-login"]);
      for (const g of gates.gates) core.info(`${g.state === "approved" ? "✅" : g.state === "pending" ? "⏳" : "⛔"} ${g.gate}: ${g.message}`);
      if (!gates.ok) {
        const words = `${gates.reasonCode}: ${gates.message}`;
        // GitHub caps a status description at 140 characters; the job's log has them all.
        await github.createDeploymentStatus(deployment.id, { state: "failure", description: words.length > 140 ? `${words.slice(0, 139)}…` : words, log_url: logUrl });
        core.setOutput("status", "failure");
        await core.summary.addHeading(`⛔ Not deployed: ${shortSha(deployment.sha)} to ${deployment.environment}`, 2).addRaw(`Shipline's gate held it (\`${gates.reasonCode}\`): ${gates.message} Nothing ran.`).write();
        core.setFailed(`Deployment ${deployment.id} was not run: ${words}`);
        return;
      }
      core.info(gates.note);
    }

    const deps: DeployDeps = {
      github: {
        setStatus: async (state, fields) => void (await github.createDeploymentStatus(deployment.id, { state, ...fields })),
        lastGoodSha: (environment, excludeId) => github.lastSuccessfulSha(environment, excludeId),
      },
      // The user's command runs as written, by bash; Shipline's values arrive only as environment variables.
      run: (command, env) => exec("bash", ["-e", "-c", command], { env: { ...process.env, ...env } as Record<string, string>, ignoreReturnCode: true }),
      probe: async (url) => {
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(2_000), redirect: "follow" });
          return { ok: response.ok, status: response.status, body: await response.text() };
        } catch {
          return { ok: false, status: 0, body: "" };
        }
      },
      now: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      log: (line) => core.info(line),
    };
    const result = await runDeploy(deps, {
      deployment,
      command: inputs.command,
      rollbackCommand: inputs["rollback-command"] ?? null,
      healthUrl: inputs["health-url"] ?? null,
      versionUrl: inputs["version-url"] ?? null,
      versionField: inputs["version-field"] ?? null,
      expectedVersion: inputs.version ?? deployment.sha,
      environmentUrl: inputs["environment-url"] ?? null,
      logUrl,
      timeoutMs: inputs.timeout,
      probeIntervalMs: inputs["probe-interval"],
      maxFailedProbes: inputs["max-failed-probes"] ?? null,
      artifact: inputs.artifact
        ? { path: inputs.artifact, digest: digestOf(readFileSync(inputs.artifact)), expectedDigest: inputs.digest ?? payloadDigest(deployment.payload) }
        : null,
    });

    core.setOutput("status", result.status);
    core.setOutput("url", result.url ?? "");
    core.setOutput("duration", (result.durationMs / 1000).toFixed(1));
    core.setOutput("previous-sha", result.previousSha ?? "");
    core.setOutput("failed-probes", String(result.failedProbes));
    await summary(result, deployment);
    if (result.status !== "success") core.setFailed(`Deployment ${deployment.id} failed: ${result.reason}`);
  } catch (error) {
    failStep(error);
  }
}
