import type { Context, Probot } from "probot";
import { FACTS_QUERY, parseFacts } from "../shared/facts.js";
import { GitHubGateway } from "../shared/github.js";
import { afterStatus, followUpRuledOut } from "../shared/lifecycle.js";
import { loadConfig } from "../shared/load-config.js";
import { shortSha } from "../shared/markdown.js";
import { shiplineOf } from "../shared/payload.js";

/** deployment_status.created -> promote to the next automatic stage, or roll back once. */
export async function onDeploymentStatus(context: Context<"deployment_status.created">): Promise<void> {
  const { deployment, deployment_status: status } = context.payload;
  const shipline = shiplineOf(deployment.payload);
  // Only Shipline's deployments, and only final states: zero requests for everything else.
  if (!shipline) return context.log.debug("deployment not made by Shipline: ignored");
  if (!["success", "failure", "error"].includes(status.state)) return;

  const repo = context.repo();
  const github = new GitHubGateway(context.octokit, repo);
  // The config first (plain reads): most statuses can be settled by it without the facts query.
  const loaded = await loadConfig(context.octokit, repo, context.payload.repository.default_branch);
  if (!loaded.ok) return context.log.warn({ problems: loaded.problems }, "config invalid: no promotion or rollback");
  const event = { state: status.state, deployment: { id: deployment.id, sha: deployment.sha, environment: deployment.environment, task: deployment.task, shipline } };
  const ruledOut = followUpRuledOut(event, loaded.config);
  if (ruledOut) return context.log.info({ deployment: deployment.id, state: status.state, reason: ruledOut.reason }, "nothing follows");
  const next = afterStatus(event, loaded.config, parseFacts(await github.facts(FACTS_QUERY, null)));
  if (next.kind === "none") return context.log.info({ deployment: deployment.id, state: status.state, reason: next.reason }, "nothing follows");

  const pr = typeof shipline.pr === "number" ? shipline.pr : null;
  const rollback = next.kind === "rollback";
  const sha = rollback ? next.to.sha : next.sha;
  const task = rollback ? "deploy:rollback" : "deploy";
  const request = {
    ref: sha,
    task,
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
        pr,
        stage: next.stageIndex,
        source: next.marker,
        ...(rollback ? { replaces: next.replaces.sha, replaces_deployment: next.replaces.id } : {}),
      },
    },
  };
  const created = await github.createDeploymentOnce(request, next.marker);
  context.log.info({ deployment: created.id, follows: deployment.id, kind: next.kind }, request.description);
}

export function registerLifecycle(app: Probot): void {
  app.on("deployment_status.created", onDeploymentStatus);
}
