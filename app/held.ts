import type { Context, Probot } from "probot";
import { gatewayFor } from "./github.js";
import { decideAgain } from "./decide-again.js";
import { deployHeldMerge, type MergeContext } from "./merge.js";
import { defaultBranchLoader } from "../shared/config/load.js";
import { decideHeld } from "../shared/deployments/held.js";

/** What deciding a held deploy again needs of an event: an installation's Octokit, the repository, a log. */
export interface HeldContext {
  octokit: Context["octokit"];
  repo: { owner: string; repo: string };
  log: Context["log"];
  installationId: number;
  repositoryUrl: string;
}

export function heldContextOf(context: Context): HeldContext {
  const payload = context.payload as { installation?: { id: number }; repository?: { html_url?: string } };
  const repo = context.repo();
  return { octokit: context.octokit, repo, log: context.log, installationId: payload.installation?.id ?? 0, repositoryUrl: payload.repository?.html_url ?? `https://github.com/${repo.owner}/${repo.repo}` };
}

/**
 * Something a held deploy of `sha` waits for may have changed: a merge held for its checks,
 * and promotions held by a gate, are decided again from what GitHub says now. A soak or a
 * freeze ends with no event: a timer says when to read again (a restart loses it; the next
 * check, approval or status on that commit decides too).
 */
export async function decideHeldFor(app: Probot, context: HeldContext, sha: string, mergeContext: MergeContext | null = null): Promise<void> {
  const github = await gatewayFor(context.octokit, context.repo);
  // A merge held for its checks: Shipline's check run on the commit says so (one GET).
  if (mergeContext) await deployHeldMerge(app, mergeContext, sha);
  const held = await decideHeld({ github, sha, loadConfig: defaultBranchLoader(context.octokit, context.repo), repositoryUrl: context.repositoryUrl, now: new Date() });
  for (const f of held.followed) context.log.info({ sha, next: f.next.kind, followUp: f.followUp?.id, gate: f.next.kind === "hold" ? f.next.gate.gate : undefined, requests: github.requests }, "held promotion decided again");
  if (held.decideAgainAt) scheduleHeld(app, context, sha, held.decideAgainAt);
}

export function scheduleHeld(app: Probot, context: HeldContext, sha: string, at: string): void {
  const { installationId, repo } = context;
  decideAgain.schedule(`${repo.owner}/${repo.repo}:held:${sha}`, Date.parse(at), async () => {
    try {
      // A fresh installation token through Probot: the event's may have expired by then.
      const octokit = (await app.auth(installationId)) as Context["octokit"];
      await decideHeldFor(app, { ...context, octokit }, sha);
    } catch (error) {
      context.log.warn({ err: error, sha }, "deciding a held promotion again failed; the next check on that commit decides");
    }
  });
}
