import type { Context } from "probot";
import { GitHubGateway, type RepoRef } from "../shared/github/gateway.js";

/** The app's id never changes in a process: read once, not signed for again on every event. */
let appIdOnce: Promise<number | undefined> | undefined;

/**
 * The gateway for an installation's Octokit, knowing which GitHub App it acts as (read from
 * the app's own credentials, no request): a check run named "Shipline" made by another app
 * or by a workflow job is never taken for Shipline's own.
 */
export async function gatewayFor(octokit: Context["octokit"], repo: RepoRef): Promise<GitHubGateway> {
  appIdOnce ??= octokit.auth({ type: "app" }).then(
    (auth) => (auth as { appId?: number }).appId,
    (error: unknown) => {
      appIdOnce = undefined; // a failure is not remembered: the next event asks again
      throw error;
    },
  );
  const appId = await appIdOnce;
  return new GitHubGateway(octokit, repo, appId ? { appId } : {});
}

/**
 * What work done outside an event needs of it (a decision taken again later): the
 * installation's Octokit, the repository, a log, and the installation's id for a fresh token.
 */
export interface InstallationContext {
  octokit: Context["octokit"];
  repo: RepoRef;
  log: Context["log"];
  installationId: number;
}

export function installationContextOf(context: Context): InstallationContext {
  return { octokit: context.octokit, repo: context.repo(), log: context.log, installationId: (context.payload as { installation?: { id: number } }).installation?.id ?? 0 };
}
