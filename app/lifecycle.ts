import { gatewayFor } from "./github.js";
import type { Context, Probot } from "probot";
import { FACTS_QUERY, parseFacts } from "../shared/github/facts.js";
import { followDeployment } from "../shared/deployments/follow-up.js";
import { configFromFacts, defaultBranchLoader } from "../shared/config/load.js";
import { shiplineOf } from "../shared/github/payload.js";
import { decideAgainAtOf } from "../shared/gates/gates.js";
import { heldContextOf, scheduleHeld } from "./held.js";

const FINAL = new Set(["success", "failure", "error"]);

/**
 * deployment_status.created -> the check run and PR comment say how it ended; then the next
 * automatic stage, or one rollback.
 */
export async function onDeploymentStatus(app: Probot, context: Context<"deployment_status.created">): Promise<void> {
  const { deployment, deployment_status: status } = context.payload;
  const shipline = shiplineOf(deployment.payload);
  // Only Shipline's deployments, and only final states: zero requests for everything else.
  if (!shipline) return context.log.debug("deployment not made by Shipline: ignored");
  if (!FINAL.has(status.state)) return context.log.debug({ state: status.state }, "not a final status: ignored");

  const repo = context.repo();
  const github = await gatewayFor(context.octokit, repo);
  const pr = typeof shipline.pr === "number" ? shipline.pr : null;
  // With the commit's checks: an automatic promotion passes the next stage's gates.
  const facts = parseFacts(await github.facts(FACTS_QUERY, pr, deployment.sha));
  const loaded = await configFromFacts(facts, defaultBranchLoader(context.octokit, repo, facts.defaultBranch));
  if (!loaded.ok) return context.log.warn({ problems: loaded.problems }, "config invalid: no report, promotion or rollback");
  const { next, followUp, notes } = await followDeployment({
    github,
    config: loaded.config,
    facts,
    repositoryUrl: context.payload.repository.html_url,
    now: new Date(),
    status: {
      state: status.state,
      description: status.description ?? "",
      logUrl: status.log_url || status.target_url || null,
      environmentUrl: status.environment_url || null,
      at: status.created_at,
      deploymentCreatedAt: deployment.created_at,
      deployment: { id: deployment.id, sha: deployment.sha, environment: deployment.environment, task: deployment.task, shipline },
    },
  });
  if (next.kind === "hold") {
    const at = decideAgainAtOf(next);
    if (at) scheduleHeld(app, heldContextOf(context), deployment.sha, at);
  }
  if (notes && "error" in notes) context.log.warn({ deployment: deployment.id, error: notes.error }, "release notes not written");
  context.log.info({ deployment: deployment.id, state: status.state, next: next.kind, followUp: followUp?.id, notes: notes && "version" in notes ? notes.version : null, requests: github.requests }, "deployment status followed");
}

export function registerLifecycle(app: Probot): void {
  app.on("deployment_status.created", (context) => onDeploymentStatus(app, context));
}
