import type { ConfigProblem } from "../config/errors.js";
import { CONFIG_PATH, type ShiplineConfig, type Stage } from "../config/schema.js";
import type { CheckRunAction, NewCheckRun } from "../github/gateway.js";
import { escapeMarkdown, shortSha } from "./markdown.js";
import type { MergeTarget } from "../pipeline/merge-target.js";
import { formatDuration } from "../config/duration.js";
import type { LockState } from "../locks/lock.js";

/** The name of Shipline's check run on every commit it handles. */
export { CHECK_RUN_NAME } from "../github/records.js";
import { CHECK_RUN_NAME } from "../github/records.js";

/**
 * Button identifiers are final: `deploy:<n>` and `rollback:<n>` name the stage by its
 * position in the config read at the same commit, so they fit GitHub's 20-character cap
 * whatever the environment is called.
 */
export function deployActionId(stageIndex: number): string {
  return `deploy:${stageIndex}`;
}
export function rollbackActionId(stageIndex: number): string {
  return `rollback:${stageIndex}`;
}

function fit(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function deployButton(stage: Stage, index: number, sha: string): CheckRunAction {
  return {
    label: fit(`Deploy ${stage.environment}`, 20),
    description: fit(`Deploy ${shortSha(sha)} to ${stage.environment}`, 40),
    identifier: deployActionId(index),
  };
}

export function rollbackButton(stage: Stage, index: number): CheckRunAction {
  return {
    label: fit(`Roll back ${stage.environment}`, 20),
    description: fit(`Redeploy the last good ${stage.environment}`, 40),
    identifier: rollbackActionId(index),
  };
}

/**
 * Approve a held deploy of this commit to a stage: `approve:<n>` and, when the commit belongs to
 * a pull request, `:<pr>`, where the approval is recorded (a merge commit's check run lists no
 * pull request). 20 characters at most: a PR number of up to 9 digits fits.
 */
export function approveButton(stage: Stage, index: number, sha: string, pr: number | null): CheckRunAction {
  return {
    label: fit(`Approve ${stage.environment}`, 20),
    description: fit(`Approve ${shortSha(sha)} for ${stage.environment}`, 40),
    identifier: pr !== null && pr < 1e9 ? `approve:${index}:${pr}` : `approve:${index}`,
  };
}

/** GitHub caps deployment descriptions at 140 characters. */
export function deploymentDescription(target: MergeTarget, stage: Stage): string {
  const source = target.pullRequest === null ? `push by ${target.actor}` : `PR #${target.pullRequest} merged by ${target.actor}`;
  return fit(`Shipline: ${shortSha(target.sha)} to ${stage.environment} (${source})`, 140);
}

function stageRules(stage: Stage, index: number): string {
  const how = stage.auto ? (index === 0 ? "automatic on merge" : "automatic after the previous stage") : "on command";
  const soak = stage.soak ? `, soak ${formatDuration(stage.soak)}` : "";
  return `${how}; needs ${stage.permission}${soak}`;
}

/** The marker of a merge held by its checks: who merged, from which pull request, its title (for the deployment made later). */
export const HELD_MERGE_PREFIX = "held-merge:";

export function heldMergeMarker(target: MergeTarget): string {
  return `${HELD_MERGE_PREFIX}${Buffer.from(JSON.stringify({ pr: target.pullRequest, actor: target.actor, title: target.title.slice(0, 80), trigger: target.trigger })).toString("base64url")}`;
}

/** The merge a held check run stands for, or null when its marker is not one. */
export function heldMergeOf(externalId: string | null | undefined, sha: string): MergeTarget | null {
  if (!externalId?.startsWith(HELD_MERGE_PREFIX)) return null;
  try {
    const v = JSON.parse(Buffer.from(externalId.slice(HELD_MERGE_PREFIX.length), "base64url").toString("utf8")) as { pr?: unknown; actor?: unknown; title?: unknown; trigger?: unknown };
    return { sha, pullRequest: typeof v.pr === "number" ? v.pr : null, actor: typeof v.actor === "string" ? v.actor : "unknown", title: typeof v.title === "string" ? v.title : "", trigger: v.trigger === "push" ? "push" : "merge" };
  } catch {
    return null;
  }
}

/**
 * A merged commit not deployed yet because the first stage's checks gate holds: running
 * checks (the run stays in progress, and Shipline deploys once they are green), or failed ones.
 */
export function heldMergeCheckRun(target: MergeTarget, stage: Stage, gate: { gate?: "checks" | "freeze"; state: "pending" | "rejected"; message: string }): NewCheckRun {
  if (gate.gate === "freeze") {
    // A freeze ends by itself: the run waits, and Shipline deploys the merge when it is over.
    return {
      name: CHECK_RUN_NAME,
      head_sha: target.sha,
      status: "in_progress",
      external_id: heldMergeMarker(target),
      output: {
        title: fit(`Frozen: ${stage.environment} waits for the freeze to end`, 100),
        summary: `${escapeMarkdown(gate.message, 2000)}\n\nShipline deploys ${shortSha(target.sha)} to ${escapeMarkdown(stage.environment)} when the freeze ends (\`gate_freeze\`); an admin can \`/deploy ${escapeMarkdown(stage.environment)} --override-freeze\` from the pull request.`,
      },
    };
  }
  const waiting = gate.state === "pending";
  return {
    name: CHECK_RUN_NAME,
    head_sha: target.sha,
    status: waiting ? "in_progress" : "completed",
    ...(waiting ? {} : { conclusion: "neutral" as const }),
    external_id: heldMergeMarker(target),
    output: {
      title: waiting ? `Waiting for checks before ${fit(stage.environment, 60)}` : `Not deployed to ${fit(stage.environment, 60)}: required checks failed`,
      summary: `${escapeMarkdown(gate.message, 2000)}\n\n${waiting ? `Shipline deploys ${shortSha(target.sha)} to ${escapeMarkdown(stage.environment)} once they are green (\`gate_checks\`).` : `Nothing was deployed (\`gate_checks\`). A re-run that turns them green deploys it.`}`,
    },
  };
}

export interface PipelineState {
  target: MergeTarget;
  config: ShiplineConfig;
  /** The deployment this commit got in the first stage, when it got one. */
  deployment: { id: number; stageIndex: number } | null;
}

/** The "Shipline" check run on a commit: the pipeline, where this commit is, and the next steps. */
export function pipelineCheckRun({ target, config, deployment }: PipelineState): NewCheckRun {
  const { stages } = config;
  const rows = stages.map((stage, i) => {
    const env = stage.url ? `[${stage.environment}](${stage.url})` : stage.environment;
    const state =
      deployment?.stageIndex === i
        ? `deployment ${deployment.id} created, waiting for the deploy workflow`
        : `not deployed: comment \`/deploy ${stage.environment}\` on the pull request, or use **Deploy ${stage.environment}**`;
    return `| ${i + 1} | ${env} | ${state} | ${stageRules(stage, i)} |`;
  });
  const next = deployment ? deployment.stageIndex + 1 : 0;
  const actions: CheckRunAction[] = [];
  const nextStage = stages[next];
  if (nextStage) actions.push(deployButton(nextStage, next, target.sha));
  const current = deployment ? stages[deployment.stageIndex] : undefined;
  if (current && deployment) actions.push(rollbackButton(current, deployment.stageIndex));
  const where = current ? `Deploying ${shortSha(target.sha)} to ${current.environment}` : `${shortSha(target.sha)} is ready to deploy`;
  const source = target.pullRequest === null ? `pushed by ${escapeMarkdown(target.actor)}` : `from pull request #${target.pullRequest}, merged by ${escapeMarkdown(target.actor)}`;
  return {
    name: CHECK_RUN_NAME,
    head_sha: target.sha,
    status: "completed",
    // Neutral: this run reports the pipeline; it must never block a merge by itself.
    conclusion: "neutral",
    ...(deployment ? { external_id: `deployment:${deployment.id}` } : {}),
    output: {
      title: where,
      summary: [
        `**${shortSha(target.sha)}** ${escapeMarkdown(target.title)} (${source})`,
        "",
        "| # | Environment | State | Rules |",
        "|---|---|---|---|",
        ...rows,
      ].join("\n"),
    },
    actions,
  };
}

/** A failing check run that says what is wrong with the config, where, and how to fix it. */
export function configProblemsCheckRun(sha: string, problems: readonly ConfigProblem[], source = CONFIG_PATH): NewCheckRun {
  const count = `${problems.length} problem${problems.length === 1 ? "" : "s"}`;
  const lines = problems.map((p) => `- \`${p.path}\`: expected ${p.expected}; found ${p.found}.`);
  return failedCheckRun(sha, `${source} is not valid: ${count}`, [
    `Shipline could not read \`${source}\` at ${shortSha(sha)}, so nothing was deployed from this commit.`,
    "",
    ...lines,
    "",
    "Fix the file and push again. The configuration reference is in Shipline's README.",
  ].join("\n"));
}

/** Shipline's check run, completed as a failure: nothing was deployed from this commit. */
function failedCheckRun(sha: string, title: string, summary: string): NewCheckRun {
  return { name: CHECK_RUN_NAME, head_sha: sha, status: "completed", conclusion: "failure", output: { title, summary } };
}

/** The check run of a merged commit that was not deployed because its first stage is locked. */
export function lockedCheckRun(target: MergeTarget, config: ShiplineConfig, lock: LockState): NewCheckRun {
  const stage = config.stages[0]!;
  const who = lock.kind === "held" ? `${escapeMarkdown(lock.lock.holder)} since ${lock.lock.since}${lock.lock.reason ? `: ${escapeMarkdown(lock.lock.reason)}` : ""}` : "a lock that cannot be read";
  const run = pipelineCheckRun({ target, config, deployment: null });
  return {
    ...run,
    output: {
      title: `Not deployed: ${stage.environment} is locked`,
      summary: `${stage.environment} is locked by ${who}. Reason code: \`locked\`. Deploy this commit with the button once it is unlocked.\n\n${run.output.summary}`,
    },
  };
}

/** The check run when GitHub returned a deployment of another SHA than the one asked for. */
export function shaMismatchCheckRun(sha: string, returnedSha: string, deploymentId: number): NewCheckRun {
  return failedCheckRun(
    sha,
    "Deployment refused: GitHub returned another commit",
    `Shipline asked for ${shortSha(sha)} but deployment ${deploymentId} names ${shortSha(returnedSha)}. It was marked \`error\` and will not run. Reason code: \`sha_mismatch\`.`,
  );
}
