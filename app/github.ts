import type { Context } from "probot";
import { GitHubGateway, type RepoRef } from "../shared/github/gateway.js";

/**
 * The gateway for an installation's Octokit, knowing which GitHub App it acts as (read from
 * the app's own credentials, no request): a check run named "Shipline" made by another app
 * or by a workflow job is never taken for Shipline's own.
 */
export async function gatewayFor(octokit: Context["octokit"], repo: RepoRef): Promise<GitHubGateway> {
  const { appId } = (await octokit.auth({ type: "app" })) as { appId?: number };
  return new GitHubGateway(octokit, repo, appId ? { appId } : {});
}
