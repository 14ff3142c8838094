import { shortSha } from "../render/markdown.js";

/** What the deploy core needs from the outside world; the action and the tests provide it. */
export interface DeployDeps {
  /** Deployment status writes and the look-up of the last good SHA. */
  github: {
    setStatus(state: "in_progress" | "success" | "failure" | "error", fields: { description: string; environment_url?: string; log_url: string }): Promise<void>;
    lastGoodSha(environment: string, excludeId: number): Promise<string | null>;
  };
  /** Runs a user's command with Shipline's values in its environment; resolves to the exit code. */
  run(command: string, env: Record<string, string>): Promise<number>;
  /** One HTTP GET, bounded; never throws. */
  probe(url: string): Promise<{ ok: boolean; status: number; body: string }>;
  now(): number;
  sleep(ms: number): Promise<void>;
  log(line: string): void;
}

export interface DeployInputs {
  deployment: { id: number; sha: string; environment: string; ref: string };
  command: string;
  rollbackCommand: string | null;
  healthUrl: string | null;
  versionUrl: string | null;
  /** A dot path into the version URL's JSON (`build.sha`); the whole body when absent. */
  versionField: string | null;
  /** What the version URL must report: the deployed SHA unless a version is given. */
  expectedVersion: string;
  environmentUrl: string | null;
  logUrl: string;
  timeoutMs: number;
  probeIntervalMs: number;
  /** Fail the deployment when more probes than this failed; null: report only. */
  maxFailedProbes: number | null;
  /** The package to deploy: its digest must be the one that was built and tested. */
  artifact: { path: string; digest: string; expectedDigest: string | null } | null;
}

export type DeployStatus = "success" | "failure";

export interface DeployResult {
  status: DeployStatus;
  reason: string;
  url: string | null;
  durationMs: number;
  previousSha: string | null;
  probes: number;
  failedProbes: number;
  rollback: { attempted: boolean; exitCode: number | null; toSha: string | null };
}

function fieldOf(body: string, path: string | null): string | undefined {
  if (!path) return body.trim();
  try {
    let value: unknown = JSON.parse(body);
    for (const key of path.split(".")) value = (value as Record<string, unknown> | null)?.[key];
    return value === undefined || value === null ? undefined : String(value);
  } catch {
    return undefined;
  }
}

/** Polls until `check` holds or the deadline passes; true when it held. */
async function until(deps: DeployDeps, deadline: number, intervalMs: number, check: () => Promise<boolean>): Promise<boolean> {
  for (;;) {
    if (await check()) return true;
    if (deps.now() + intervalMs > deadline) return false;
    await deps.sleep(intervalMs);
  }
}

/**
 * Deploys as GitHub intends deployments to be run: status `in_progress`, the user's command,
 * health and version verified (bounded), availability probed throughout, then `success` or
 * `failure`, and on failure the rollback command with the last good SHA.
 */
export async function runDeploy(deps: DeployDeps, inputs: DeployInputs): Promise<DeployResult> {
  const started = deps.now();
  const { deployment } = inputs;
  const envUrl = inputs.environmentUrl ? { environment_url: inputs.environmentUrl } : {};
  await deps.github.setStatus("in_progress", { description: `Deploying ${shortSha(deployment.sha)}`, log_url: inputs.logUrl, ...envUrl });
  const previousSha = await deps.github.lastGoodSha(deployment.environment, deployment.id);

  // Probe availability for the whole deploy: the zero-downtime claim, measured.
  let probes = 0;
  let failedProbes = 0;
  let probing = Boolean(inputs.healthUrl);
  const prober = (async () => {
    while (probing && inputs.healthUrl) {
      const result = await deps.probe(inputs.healthUrl);
      probes++;
      if (!result.ok) failedProbes++;
      await deps.sleep(inputs.probeIntervalMs);
    }
  })();

  const env: Record<string, string> = {
    ...(inputs.artifact ? { SHIPLINE_ARTIFACT: inputs.artifact.path } : {}),
    SHIPLINE_SHA: deployment.sha,
    SHIPLINE_ENVIRONMENT: deployment.environment,
    SHIPLINE_DEPLOYMENT_ID: String(deployment.id),
    SHIPLINE_PREVIOUS_SHA: previousSha ?? "",
    SHIPLINE_VERSION: inputs.expectedVersion,
  };
  let reason = "";
  const artifact = inputs.artifact;
  if (artifact?.expectedDigest && artifact.digest !== artifact.expectedDigest) {
    // Build once, promote the same artifact: anything else is not deployed at all.
    reason = `the artifact's digest is ${artifact.digest}, not the ${artifact.expectedDigest} that was built and tested`;
  } else {
    const exitCode = await deps.run(inputs.command, env);
    if (exitCode !== 0) reason = `the deploy command exited with ${exitCode}`;
  }

  const deadline = deps.now() + inputs.timeoutMs;
  if (!reason && inputs.healthUrl) {
    const healthy = await until(deps, deadline, inputs.probeIntervalMs, async () => (await deps.probe(inputs.healthUrl!)).ok);
    if (!healthy) reason = `${inputs.healthUrl} did not answer 2xx within ${Math.round(inputs.timeoutMs / 1000)}s`;
  }
  if (!reason && inputs.versionUrl) {
    let seen: string | undefined;
    const live = await until(deps, deadline, inputs.probeIntervalMs, async () => {
      const result = await deps.probe(inputs.versionUrl!);
      seen = result.ok ? fieldOf(result.body, inputs.versionField) : undefined;
      return seen === inputs.expectedVersion;
    });
    if (!live) reason = `${inputs.versionUrl} reports ${seen === undefined ? "no version" : `\`${seen.slice(0, 60)}\``}, not \`${inputs.expectedVersion}\``;
  }
  probing = false;
  await prober;
  if (!reason && inputs.maxFailedProbes !== null && failedProbes > inputs.maxFailedProbes) {
    reason = `${failedProbes} of ${probes} availability probes failed (at most ${inputs.maxFailedProbes} allowed)`;
  }

  if (!reason) {
    await deps.github.setStatus("success", { description: `Deployed ${shortSha(deployment.sha)}; ${failedProbes} failed of ${probes} probes`, log_url: inputs.logUrl, ...envUrl });
    return { status: "success", reason: "deployed", url: inputs.environmentUrl, durationMs: deps.now() - started, previousSha, probes, failedProbes, rollback: { attempted: false, exitCode: null, toSha: null } };
  }

  deps.log(`Deployment failed: ${reason}`);
  const rollback: DeployResult["rollback"] = { attempted: false, exitCode: null, toSha: previousSha };
  if (inputs.rollbackCommand && previousSha) {
    rollback.attempted = true;
    rollback.exitCode = await deps.run(inputs.rollbackCommand, { ...env, SHIPLINE_SHA: previousSha, SHIPLINE_PREVIOUS_SHA: previousSha });
  }
  const after = !rollback.attempted
    ? inputs.rollbackCommand
      ? "; no earlier good deployment to roll back to"
      : ""
    : rollback.exitCode === 0
      ? `; rolled back to ${shortSha(previousSha!)}`
      : `; rollback to ${shortSha(previousSha!)} failed too`;
  await deps.github.setStatus("failure", { description: `${reason}${after}`, log_url: inputs.logUrl, ...envUrl });
  return { status: "failure", reason, url: inputs.environmentUrl, durationMs: deps.now() - started, previousSha, probes, failedProbes, rollback };
}
