import { stageIndexOf } from "../config/schema.js";
import type { LoadedConfig } from "../config/load.js";
import { FACTS_QUERY, parseFacts, type DeploymentFact, type RepoFacts } from "../github/facts.js";
import type { GitHubGateway } from "../github/gateway.js";
import { shiplineOf } from "../github/payload.js";
import { decideAgainAtOf } from "../gates/gates.js";
import { deploymentsOf } from "../pipeline/history.js";
import type { FinalStatus } from "../render/status.js";
import { followDeployment, type FollowResult } from "./follow-up.js";

export interface HeldInput {
  github: GitHubGateway;
  sha: string;
  loadConfig: (repoHasFile: boolean) => Promise<LoadedConfig>;
  repositoryUrl: string;
  now: Date;
}

export interface HeldResult {
  followed: FollowResult[];
  /** When to read again by itself (a soak or a freeze ending); null when an event will. */
  decideAgainAt: string | null;
}

/**
 * The automatic promotions of `sha` that no deployment followed yet: its newest successful
 * deployment in a stage whose next stage is automatic, with no promotion (`status:<id>`) and no
 * Shipline deployment of the SHA in that next stage. Read from GitHub's deployments alone: no
 * marker to lose, no state kept, the same answer on every replica.
 */
export function pendingPromotions(facts: RepoFacts, sha: string, stages: ReadonlyArray<{ environment: string; auto: boolean }>): DeploymentFact[] {
  const found: DeploymentFact[] = [];
  stages.forEach((stage, i) => {
    const next = stages[i + 1];
    if (!next?.auto) return;
    const live = deploymentsOf(facts, stage.environment).find((d) => d.sha === sha && d.task === "deploy" && d.shipline);
    if (!live || live.state !== "success") return;
    const followed = facts.deployments.some((d) => d.shipline?.source === `status:${live.id}`);
    const there = deploymentsOf(facts, next.environment).some((d) => d.sha === sha && d.shipline);
    if (!followed && !there) found.push(live);
  });
  return found;
}

/** A deployment's success as its status webhook said it, rebuilt from the facts. */
function successOf(d: DeploymentFact): FinalStatus {
  return {
    state: "success",
    description: "",
    logUrl: d.logUrl,
    environmentUrl: d.environmentUrl,
    at: d.successAt ?? d.createdAt,
    deploymentCreatedAt: d.createdAt,
    deployment: { id: d.id, sha: d.sha, environment: d.environment, task: d.task, shipline: d.shipline },
  };
}

/**
 * Something a held promotion of `sha` waits for may have changed (a check completed, an approval
 * arrived, a soak or a freeze ended): decide it again. Check runs complete all the time, so the
 * look-up is cheap first: one REST GET of the SHA's deployments (Octokit spaces GraphQL queries
 * one second apart per installation, like writes) and the config only when Shipline deployed
 * the SHA to a stage whose next one has none of it; the facts query only when the config says
 * that next stage is automatic.
 */
export async function decideHeld({ github, sha, loadConfig, repositoryUrl, now }: HeldInput): Promise<HeldResult> {
  const result: HeldResult = { followed: [], decideAgainAt: null };
  const shipped = (await github.deploymentsOfSha(sha)).map((d) => ({ task: d.task, shipline: shiplineOf(d.payload) })).filter((d) => d.shipline && d.task === "deploy");
  const stages = new Set(shipped.map((d) => d.shipline!.stage).filter((i): i is number => typeof i === "number"));
  if (![...stages].some((i) => !stages.has(i + 1))) return result;
  const loaded = await loadConfig(true);
  if (!loaded.ok) return result;
  const config = loaded.config;
  if (![...stages].some((i) => config.stages[i + 1]?.auto && !stages.has(i + 1))) return result;

  const facts = parseFacts(await github.facts(FACTS_QUERY, null, sha));
  for (const held of pendingPromotions(facts, sha, config.stages)) {
    if (stageIndexOf(config, held.environment) === -1) continue;
    const pr = typeof held.shipline?.pr === "number" ? held.shipline.pr : null;
    // The pull request's part holds the approvals and the comment to edit.
    const withPull = pr === null ? facts : parseFacts(await github.facts(FACTS_QUERY, pr, sha));
    const followed = await followDeployment({ github, status: successOf(held), config, facts: withPull, repositoryUrl, now });
    result.followed.push(followed);
    if (followed.next.kind === "hold") {
      const at = decideAgainAtOf(followed.next);
      if (at && (result.decideAgainAt === null || at < result.decideAgainAt)) result.decideAgainAt = at;
    }
  }
  return result;
}
