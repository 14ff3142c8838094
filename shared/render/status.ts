import { stageIndexOf, type ShiplineConfig } from "../config/schema.js";
import { formatDuration } from "../config/duration.js";
import type { DeploymentFact, RepoFacts } from "../github/facts.js";
import type { CheckRunAction, NewCheckRun } from "../github/gateway.js";
import { deploymentsOf } from "../pipeline/history.js";
import type { AfterStatus, StatusEvent } from "../pipeline/lifecycle.js";
import { GATE_REASON, type HeldPromotion } from "../gates/gates.js";
import { escapeMarkdown, shortSha } from "./markdown.js";
import { CHECK_RUN_NAME, approveButton, deployButton, rollbackButton } from "./check-runs.js";
import { safeLink } from "./comment.js";

/** A final deployment status as the webhook carries it, with what the report needs. */
export interface FinalStatus extends StatusEvent {
  description: string;
  logUrl: string | null;
  environmentUrl: string | null;
  /** When the status was created, and when its deployment was: their difference is the duration. */
  at: string;
  deploymentCreatedAt: string;
}

export interface StatusReport {
  status: FinalStatus;
  config: ShiplineConfig;
  facts: RepoFacts;
  /** What the lifecycle decided, and the deployment it created for that, if any. */
  next: AfterStatus | HeldPromotion;
  followUp: { id: number } | null;
}

function duration(status: FinalStatus): string {
  const ms = Date.parse(status.at) - Date.parse(status.deploymentCreatedAt);
  return Number.isFinite(ms) && ms >= 0 ? formatDuration(ms) : "duration unknown";
}

function links(d: { logUrl: string | null; environmentUrl: string | null }): string {
  return `${safeLink("log", d.logUrl)}${safeLink("open", d.environmentUrl)}`;
}

/** What comes next, said in words: the promotion or rollback made, or how to take the next step. */
function nextStep({ status, config, next, followUp }: StatusReport): string {
  const env = status.deployment.environment;
  const index = stageIndexOf(config, env);
  const following = config.stages[index + 1];
  if (next.kind === "promote") {
    const soak = config.stages[index]?.soak ? ` once it has soaked ${formatDuration(config.stages[index]!.soak!)} here` : "";
    return `Promoted automatically: deployment ${followUp?.id ?? "?"} takes it to ${next.stage.environment}${soak}; Shipline's gates decide when it runs.`;
  }
  if (next.kind === "rollback") return `Rolling back automatically to \`${shortSha(next.to.sha)}\` (deployment ${followUp?.id ?? "?"}).`;
  if (next.kind === "hold") {
    const until = next.gate.decideAgainAt ? ` Shipline reads it again at ${next.gate.decideAgainAt.replace(/\.\d{3}Z$/, "Z")}.` : "";
    return `Promotion to ${next.stage.environment} is held by the ${next.gate.gate} gate (\`${GATE_REASON[next.gate.gate]}\`): ${escapeMarkdown(next.gate.message, 400)}${until}`;
  }
  switch (next.reason) {
    case "manual_next_stage":
      return `Next: comment \`/deploy ${following!.environment}\` on the pull request, or use **Deploy ${following!.environment}** on the Shipline check run.`;
    case "no_next_stage":
      return "This was the last stage.";
    case "locked":
      return `${following?.environment ?? "The next stage"} is locked, so it was not promoted; deploy it once the lock is released.`;
    case "already_promoted":
      return `It was already promoted to ${following?.environment ?? "the next stage"}.`;
    case "no_auto_rollback":
      return `Roll back with \`/rollback ${env}\` on the pull request, or **Roll back ${env}** on the Shipline check run.`;
    case "nothing_to_roll_back":
      return `Nothing succeeded in ${env} before it, so there is no version to roll back to.`;
    case "already_rolled_back":
      return "A rollback already follows it.";
    default:
      return "";
  }
}

/** Once a pull request is live on a production stage: its lead time, from its first commit (DORA's measure). */
function leadTime({ status, config, facts }: StatusReport): string {
  const stage = config.stages[stageIndexOf(config, status.deployment.environment)];
  const pull = facts.pull;
  if (!stage?.production || !pull?.firstCommittedAt || pull.number !== status.deployment.shipline?.pr) return "";
  const ms = Date.parse(status.at) - Date.parse(pull.firstCommittedAt);
  return Number.isFinite(ms) && ms >= 0 ? ` Lead time: ${formatDuration(ms)}, from #${pull.number}'s first commit to ${escapeMarkdown(status.deployment.environment)}.` : "";
}

/** The PR comment's outcome line for a final deployment status. */
export function statusOutcome(report: StatusReport): string {
  const { status } = report;
  const { deployment } = status;
  const env = escapeMarkdown(deployment.environment);
  const sha = `\`${shortSha(deployment.sha)}\``;
  const meta = `(deployment ${deployment.id}, ${duration(status)})${links(status)}`;
  const rollback = deployment.task === "deploy:rollback";
  if (status.state === "success") {
    if (rollback) {
      const replaced = typeof deployment.shipline?.replaces === "string" ? `\`${shortSha(deployment.shipline.replaces)}\`` : "the version it replaced";
      return `↩️ **${env} rolled back to ${sha}** ${meta}. ${replaced} is marked rolled back and is no longer offered as the last good version.`;
    }
    return `✅ **${sha} is live on ${env}** ${meta}. ${nextStep(report)}${leadTime(report)}`.trimEnd();
  }
  const why = status.description ? `: ${escapeMarkdown(status.description, 300)}` : "";
  if (rollback) {
    return `❌ **The rollback of ${env} to ${sha} failed** ${meta}${why}. Shipline never rolls back a rollback: read the log, then deploy a good version with \`/rollback ${env} to <sha>\`.`;
  }
  return `❌ **Deploying ${sha} to ${env} failed** ${meta}${why}. ${nextStep(report)}`.trimEnd();
}

/** The latest deployment of this SHA in each stage, with the event's own deployment as the status says. */
function stageDeployments(report: StatusReport): Array<DeploymentFact | FinalStatus | undefined> {
  const { status, config, facts } = report;
  const own = stageIndexOf(config, status.deployment.environment);
  return config.stages.map((stage, i) => (i === own ? status : deploymentsOf(facts, stage.environment).find((d) => d.sha === status.deployment.sha)));
}

function stageState(d: DeploymentFact | FinalStatus | undefined): string {
  if (!d) return "not deployed";
  if ("deployment" in d) return `${d.state} (deployment ${d.deployment.id}${d.deployment.task === "deploy:rollback" ? ", rollback" : ""}, ${duration(d)})${links(d)}`;
  return `${d.state} (deployment ${d.id}${d.task === "deploy:rollback" ? ", rollback" : ""})${links(d)}`;
}

/**
 * The commit's "Shipline" check run after a final status: where the SHA stands in each stage,
 * what happens next, and the buttons for it (deploy the next stage, roll this one back).
 */
export function statusCheckRun(report: StatusReport): NewCheckRun {
  const { status, config } = report;
  const { deployment } = status;
  const index = stageIndexOf(config, deployment.environment);
  const stage = config.stages[index];
  const env = deployment.environment;
  const ok = status.state === "success";
  const rollback = deployment.task === "deploy:rollback";
  const title = ok
    ? rollback
      ? `${env} rolled back to ${shortSha(deployment.sha)}`
      : `${shortSha(deployment.sha)} is live on ${env}`
    : `${rollback ? "Rollback" : "Deployment"} of ${shortSha(deployment.sha)} to ${env} failed`;
  const rows = stageDeployments(report).map((d, i) => `| ${i + 1} | ${escapeMarkdown(config.stages[i]!.environment)} | ${stageState(d)} |`);
  const actions: CheckRunAction[] = [];
  const following = config.stages[index + 1];
  if (report.next.kind === "hold" && report.next.gate.gate === "approval") {
    actions.push(approveButton(report.next.stage, report.next.stageIndex, deployment.sha, typeof deployment.shipline?.pr === "number" ? deployment.shipline.pr : null));
  } else if (ok && following && report.next.kind !== "promote" && report.next.kind !== "hold") {
    actions.push(deployButton(following, index + 1, deployment.sha));
  }
  if (stage && !rollback && report.next.kind !== "rollback") {
    actions.push(rollbackButton(stage, index));
  }
  return {
    name: CHECK_RUN_NAME,
    head_sha: deployment.sha,
    status: "completed",
    conclusion: ok ? "success" : "failure",
    external_id: `deployment:${deployment.id}`,
    output: {
      title,
      summary: [statusOutcome(report), "", "| # | Environment | State |", "|---|---|---|", ...rows].join("\n"),
    },
    actions,
  };
}
