import type { Context, Probot } from "probot";
import { gatewayFor, installationContextOf, type InstallationContext } from "./github.js";
import { decideLater } from "./decide-again.js";
import { deployHeldMerge } from "./merge.js";
import { defaultBranchLoader } from "../shared/config/load.js";
import { decideHeld } from "../shared/deployments/held.js";

/** What deciding a held promotion again needs of an event: the installation, and the repository's web address. */
export interface HeldContext extends InstallationContext {
  repositoryUrl: string;
}

export function heldContextOf(context: Context): HeldContext {
  const installation = installationContextOf(context);
  const { repo } = installation;
  return { ...installation, repositoryUrl: (context.payload as { repository?: { html_url?: string } }).repository?.html_url ?? `https://github.com/${repo.owner}/${repo.repo}` };
}

/**
 * Something a held deploy of `sha` waits for may have changed: a merge held for its checks,
 * and promotions held by a gate, are decided again from what GitHub says now. A soak or a
 * freeze ends with no event: a timer says when to read again (a restart loses it; the next
 * check, approval or status on that commit decides too).
 */
export async function decideHeldFor(app: Probot, context: HeldContext, sha: string, heldMerge = false): Promise<void> {
  const github = await gatewayFor(context.octokit, context.repo);
  // A merge held for its checks: Shipline's check run on the commit says so (one GET).
  if (heldMerge) await deployHeldMerge(app, context, sha);
  const held = await decideHeld({ github, sha, loadConfig: defaultBranchLoader(context.octokit, context.repo), repositoryUrl: context.repositoryUrl, now: new Date() });
  for (const f of held.followed) context.log.info({ sha, next: f.next.kind, followUp: f.followUp?.id, gate: f.next.kind === "hold" ? f.next.gate.gate : undefined, requests: github.requests }, "held promotion decided again");
  if (held.decideAgainAt) scheduleHeld(app, context, sha, held.decideAgainAt);
}

export function scheduleHeld(app: Probot, context: HeldContext, sha: string, at: string): void {
  decideLater(app, context, `${context.repo.owner}/${context.repo.repo}:held:${sha}`, Date.parse(at), "a held promotion", (fresh) => decideHeldFor(app, fresh, sha));
}
