import type { ShiplineConfig, Stage } from "../config/schema.js";
import { createOnce } from "../github/create-once.js";
import type { Deployment, GitHubGateway, NewCheckRun, NewDeployment } from "../github/gateway.js";
import type { MergeTarget } from "../pipeline/merge-target.js";
import type { Outcome } from "../render/outcome.js";
import { FACTS_QUERY, parseFacts } from "../github/facts.js";
import { shiplineOf } from "../github/payload.js";
import { CHECK_RUN_NAME, deploymentDescription, heldMergeCheckRun, lockedCheckRun, pipelineCheckRun, shaMismatchCheckRun } from "../render/check-runs.js";
import { checksGate, freezeGate } from "../gates/gates.js";

export type MergeReason = "deployed" | "already_deployed" | "no_auto_stage" | "sha_mismatch" | "locked" | "gate_checks" | "gate_freeze";
export type MergeOutcome = Outcome<"deploy" | "skip" | "refuse", MergeReason>;

/** The marker every Shipline deployment carries, so a look-up can find it again. */
export interface ShiplinePayload {
  shipline: {
    trigger: MergeTarget["trigger"];
    actor: string;
    pr: number | null;
    stage: number;
  };
}

export function isShiplineDeployment(deployment: Pick<Deployment, "payload">): boolean {
  return shiplineOf(deployment.payload) !== null;
}

/** The deployment request for a merged commit, as GitHub's API takes it. */
export function mergeDeployment(target: MergeTarget, stage: Stage, stageIndex: number): NewDeployment {
  const payload: ShiplinePayload = {
    shipline: { trigger: target.trigger, actor: target.actor, pr: target.pullRequest, stage: stageIndex },
  };
  return {
    ref: target.sha,
    task: "deploy",
    environment: stage.environment,
    description: deploymentDescription(target, stage),
    production_environment: stage.production,
    transient_environment: false,
    payload: { ...payload },
  };
}

/**
 * A commit landed on the default branch: deploy exactly that SHA to the first stage when it
 * is automatic, and put the pipeline on the commit as a check run. Safe to run again for
 * the same push (GitHub redelivers): an existing Shipline deployment is reused.
 */
export async function deployMergedCommit(
  github: GitHubGateway,
  target: MergeTarget,
  config: ShiplineConfig,
  /** The check run that held this merge, when a check finishing decides again: it is edited, not doubled. */
  held: { checkRunId: number } | null = null,
  now: Date = new Date(),
): Promise<MergeOutcome> {
  const stageIndex = 0;
  const stage = config.stages[stageIndex]!;
  if (!stage.auto) {
    await ensureCheckRun(github, target, () => pipelineCheckRun({ target, config, deployment: null }));
    return {
      decision: "skip",
      reasonCode: "no_auto_stage",
      message: `${stage.environment} deploys on command only; nothing was deployed.`,
    };
  }

  const findExisting = async () =>
    (await github.listDeployments({ sha: target.sha, environment: stage.environment, task: "deploy" })).find(isShiplineDeployment);
  // One look-up gives what redelivery needs (an existing deployment), the locks and the commit's checks.
  const facts = parseFacts(await github.facts(FACTS_QUERY, null, target.sha));
  const existing = facts.deployments.find((d) => d.sha === target.sha && d.environment === stage.environment && d.shipline !== null);
  const lock = facts.locks.get(stage.environment);
  if (!existing && lock && !(lock.kind === "held" && lock.lock.holder === target.actor)) {
    await ensureCheckRun(github, target, () => lockedCheckRun(target, config, lock));
    const holder = lock.kind === "held" ? `${lock.lock.holder} since ${lock.lock.since}` : "an unreadable lock";
    return { decision: "refuse", reasonCode: "locked", message: `${stage.environment} is locked (${holder}); ${target.sha} was not deployed.` };
  }
  if (existing) {
    await ensureCheckRun(github, target, () => pipelineCheckRun({ target, config, deployment: { id: existing.id, stageIndex } }));
    return {
      decision: "skip",
      reasonCode: "already_deployed",
      message: `${target.sha} already has deployment ${existing.id} to ${stage.environment}.`,
      details: { deploymentId: existing.id },
    };
  }

  // The checks and freeze gates, on every plan: nothing is created while the commit's checks
  // run or fail, or while the first stage is frozen (then it is deployed when the freeze ends).
  const checks = checksGate(stage, (facts.commitChecks ?? []).filter((c) => c.name !== CHECK_RUN_NAME));
  const freeze = freezeGate(stage, now, false);
  const gate = checks.state === "rejected" ? checks : freeze.state !== "approved" ? freeze : checks;
  if (gate.state !== "approved") {
    const run = heldMergeCheckRun(target, stage, { gate: gate.gate === "freeze" ? "freeze" : "checks", state: gate.state, message: gate.message });
    const existingRun = held?.checkRunId ?? (await github.listCheckRuns(target.sha, CHECK_RUN_NAME))[0]?.id;
    if (existingRun !== undefined) {
      const { name: _name, head_sha: _sha, ...changes } = run;
      await github.updateCheckRun(existingRun, changes);
    } else await createCheckRunOnce(github, target.sha, run);
    return {
      decision: "skip",
      reasonCode: gate.gate === "freeze" ? "gate_freeze" : "gate_checks",
      message: `${target.sha} is not deployed to ${stage.environment} yet: ${gate.message}`,
      ...(gate.decideAgainAt ? { details: { decideAgainAt: gate.decideAgainAt } } : {}),
    };
  }

  const deployment = await createOnce(() => github.createDeployment(mergeDeployment(target, stage, stageIndex)), findExisting);
  if (deployment.sha !== target.sha) {
    // Never let a deployment of another commit run: mark it so no workflow picks it up.
    await github.createDeploymentStatus(deployment.id, {
      state: "error",
      description: `Shipline asked for ${target.sha.slice(0, 7)}; refusing ${deployment.sha.slice(0, 7)}.`,
    });
    await github.createCheckRun(shaMismatchCheckRun(target.sha, deployment.sha, deployment.id));
    return {
      decision: "refuse",
      reasonCode: "sha_mismatch",
      message: `GitHub returned deployment ${deployment.id} of ${deployment.sha}, not ${target.sha}.`,
      details: { deploymentId: deployment.id },
    };
  }
  const pipeline = pipelineCheckRun({ target, config, deployment: { id: deployment.id, stageIndex } });
  if (held) {
    const { name: _name, head_sha: _sha, ...changes } = pipeline;
    await github.updateCheckRun(held.checkRunId, changes);
  } else await createCheckRunOnce(github, target.sha, pipeline);
  return {
    decision: "deploy",
    reasonCode: "deployed",
    message: `Deployment ${deployment.id} of ${target.sha} to ${stage.environment} created.`,
    details: { deploymentId: deployment.id, environment: stage.environment },
  };
}

/** Creates the Shipline check run unless the commit already has one (a redelivery). */
async function ensureCheckRun(github: GitHubGateway, target: MergeTarget, build: () => NewCheckRun) {
  const runs = await github.listCheckRuns(target.sha, CHECK_RUN_NAME);
  if (runs.length === 0) await createCheckRunOnce(github, target.sha, build());
}

function createCheckRunOnce(github: GitHubGateway, sha: string, checkRun: NewCheckRun) {
  return createOnce(
    () => github.createCheckRun(checkRun),
    async () => (await github.listCheckRuns(sha, CHECK_RUN_NAME))[0],
  );
}
