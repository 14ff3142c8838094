import type { ShiplineConfig } from "./config.js";
import type { RepoFacts } from "./facts.js";
import type { GitHubGateway } from "./github.js";
import { pullRequestHistory, rolledBackKeys } from "./history.js";
import { afterStatus, type AfterStatus } from "./lifecycle.js";
import { shortSha } from "./markdown.js";
import { renderPullRequestComment } from "./render-comment.js";
import { CHECK_RUN_NAME } from "./render.js";
import { statusCheckRun, statusOutcome, type FinalStatus } from "./render-status.js";

export interface FollowInput {
  github: GitHubGateway;
  status: FinalStatus;
  config: ShiplineConfig;
  facts: RepoFacts;
}

export interface FollowResult {
  next: AfterStatus;
  followUp: { id: number } | null;
}

/**
 * After a final status of one of Shipline's deployments: promote or roll back (once, see
 * `afterStatus`), then say what happened on the commit's check run and the PR's comment.
 */
export async function followDeployment({ github, status, config, facts }: FollowInput): Promise<FollowResult> {
  const next = afterStatus(status, config, facts);
  const followUp = next.kind === "none" ? null : await createFollowUp(github, status, next);
  const report = { status, config, facts, next, followUp };

  // The check run GitHub shows for the commit is the latest "Shipline" run: edit it in place.
  const run = statusCheckRun(report);
  const existing = (await github.listCheckRuns(status.deployment.sha, CHECK_RUN_NAME)).reduce<number | null>((max, r) => (max === null || r.id > max ? r.id : max), null);
  const { name: _name, head_sha: _sha, ...changes } = run;
  if (existing !== null) await github.updateCheckRun(existing, changes);
  else await github.createCheckRun(run);

  const pr = status.deployment.shipline?.pr;
  if (typeof pr === "number" && facts.pull?.number === pr) {
    const body = renderPullRequestComment({
      outcome: statusOutcome(report),
      previous: facts.pull.shiplineCommentBody,
      created: null,
      history: pullRequestHistory(facts, pr).map((d) => (d.id === status.deployment.id ? { ...d, state: status.state, logUrl: status.logUrl, environmentUrl: status.environmentUrl } : d)),
      rolledBack: rolledBackKeys(facts),
      config,
      now: status.at,
    });
    if (facts.pull.shiplineCommentId !== null) await github.updateComment(facts.pull.shiplineCommentId, body);
    else await github.createComment(pr, body);
  }
  return { next, followUp };
}

async function createFollowUp(github: GitHubGateway, status: FinalStatus, next: Exclude<AfterStatus, { kind: "none" }>): Promise<{ id: number }> {
  const { deployment } = status;
  const shipline = deployment.shipline ?? {};
  const rollback = next.kind === "rollback";
  const sha = rollback ? next.to.sha : next.sha;
  const created = await github.createDeploymentOnce(
    {
      ref: sha,
      task: rollback ? "deploy:rollback" : "deploy",
      environment: next.stage.environment,
      description: rollback
        ? `Shipline: automatic rollback of ${next.stage.environment} to ${shortSha(sha)} (deployment ${deployment.id} ${status.state})`
        : `Shipline: ${shortSha(sha)} promoted to ${next.stage.environment} after ${deployment.environment}`,
      production_environment: next.stage.production,
      transient_environment: false,
      payload: {
        shipline: {
          trigger: rollback ? "auto_rollback" : "promotion",
          actor: typeof shipline.actor === "string" ? shipline.actor : "shipline",
          pr: typeof shipline.pr === "number" ? shipline.pr : null,
          stage: next.stageIndex,
          source: next.marker,
          ...(rollback ? { replaces: next.replaces.sha, replaces_deployment: next.replaces.id } : {}),
        },
      },
    },
    next.marker,
  );
  return { id: created.id };
}
