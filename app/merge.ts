import { gatewayFor } from "./github.js";
import type { Context, Probot } from "probot";
import { deployMergedCommit } from "../shared/deployments/merge.js";
import { loadConfig } from "../shared/config/load.js";
import { mergeTarget } from "../shared/pipeline/merge-target.js";
import { CHECK_RUN_NAME, configProblemsCheckRun, heldMergeOf } from "../shared/render/check-runs.js";
import { decideAgain } from "./decide-again.js";

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
  scheduleHeldMerge(app, mergeContextOf(context), target.sha, outcome.details?.decideAgainAt);
}

/** What deciding a held merge again needs: an installation's Octokit, the repository, a log. */
export interface MergeContext {
  octokit: Context["octokit"];
  repo: { owner: string; repo: string };
  log: Context["log"];
  installationId: number;
}

export function mergeContextOf(context: Context): MergeContext {
  return { octokit: context.octokit, repo: context.repo(), log: context.log, installationId: (context.payload as { installation?: { id: number } }).installation?.id ?? 0 };
}

/**
 * A merge held by a freeze is deployed when the freeze ends, which no event announces: a timer
 * says when to read GitHub again (a restart loses it; the next check on that commit decides too).
 */
function scheduleHeldMerge(app: Probot, context: MergeContext, sha: string, at: unknown): void {
  if (typeof at !== "string") return;
  decideAgain.schedule(`${context.repo.owner}/${context.repo.repo}:merge:${sha}`, Date.parse(at), async () => {
    try {
      const octokit = (await app.auth(context.installationId)) as Context["octokit"];
      await deployHeldMerge(app, { ...context, octokit }, sha);
    } catch (error) {
      context.log.warn({ err: error, sha }, "deciding a held merge again failed; the next check on that commit decides");
    }
  });
}

/**
 * A check on `sha` finished: if Shipline held that merge for its checks (its check run says so,
 * GitHub keeps the state), decide again, and deploy once they are green.
 */
export async function deployHeldMerge(app: Probot, context: MergeContext, sha: string): Promise<void> {
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
