import { gatewayFor, installationContextOf, type InstallationContext } from "./github.js";
import type { Context, Probot } from "probot";
import { deployMergedCommit } from "../shared/deployments/merge.js";
import { loadConfig } from "../shared/config/load.js";
import { mergeTarget } from "../shared/pipeline/merge-target.js";
import { CHECK_RUN_NAME, configProblemsCheckRun, heldMergeOf } from "../shared/render/check-runs.js";
import { decideLater } from "./decide-again.js";

/** push to the default branch -> a Deployment of that exact SHA to the first stage. */
export async function onPush(app: Probot, context: Context<"push">): Promise<void> {
  const decided = mergeTarget(context.payload);
  if ("ignored" in decided) {
    context.log.debug({ reason: decided.ignored, ref: context.payload.ref }, "push ignored");
    return;
  }
  const { target } = decided;
  const repo = context.repo();
  const github = await gatewayFor(context.octokit, repo);
  const config = await loadConfig(context.octokit, repo, target.sha);
  if (!config.ok) {
    await github.createCheckRun(configProblemsCheckRun(target.sha, config.problems, config.source));
    context.log.info({ sha: target.sha, problems: config.problems.length }, "config invalid: reported on the commit");
    return;
  }
  const outcome = await deployMergedCommit(github, target, config.config);
  context.log.info({ sha: target.sha, ...outcome, requests: github.requests + 1 }, outcome.message);
  scheduleHeldMerge(app, installationContextOf(context), target.sha, outcome.details?.decideAgainAt);
}

/**
 * A merge held by a freeze is deployed when the freeze ends, which no event announces: a timer
 * says when to read GitHub again (a restart loses it; the next check on that commit decides too).
 */
function scheduleHeldMerge(app: Probot, context: InstallationContext, sha: string, at: unknown): void {
  if (typeof at !== "string") return;
  decideLater(app, context, `${context.repo.owner}/${context.repo.repo}:merge:${sha}`, Date.parse(at), "a held merge", (fresh) => deployHeldMerge(app, fresh, sha));
}

/**
 * A check on `sha` finished: if Shipline held that merge for its checks (its check run says so,
 * GitHub keeps the state), decide again, and deploy once they are green.
 */
export async function deployHeldMerge(app: Probot, context: InstallationContext, sha: string): Promise<void> {
  const { repo } = context;
  const github = await gatewayFor(context.octokit, repo);
  const held = (await github.listCheckRuns(sha, CHECK_RUN_NAME)).map((r) => ({ id: r.id, target: heldMergeOf(r.external_id, sha) })).find((r) => r.target !== null);
  if (!held) return;
  const config = await loadConfig(context.octokit, repo, sha);
  if (!config.ok) return;
  const outcome = await deployMergedCommit(github, held.target!, config.config, { checkRunId: held.id });
  context.log.info({ sha, ...outcome, requests: github.requests + 1 }, outcome.message);
  scheduleHeldMerge(app, context, sha, outcome.details?.decideAgainAt);
}

export function registerMerge(app: Probot): void {
  app.on("push", (context) => onPush(app, context));
}
