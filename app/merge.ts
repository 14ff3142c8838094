import { gatewayFor } from "./github.js";
import type { Context, Probot } from "probot";
import { deployMergedCommit } from "../shared/deployments/merge.js";
import { loadConfig } from "../shared/config/load.js";
import { mergeTarget } from "../shared/pipeline/merge-target.js";
import { configProblemsCheckRun } from "../shared/render/check-runs.js";

/** push to the default branch -> a Deployment of that exact SHA to the first stage. */
export async function onPush(context: Context<"push">): Promise<void> {
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
}

export function registerMerge(app: Probot): void {
  app.on("push", onPush);
}
