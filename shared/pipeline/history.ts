import type { DeploymentFact, RepoFacts } from "../github/facts.js";

/** Statuses of a deployment that has not finished. */
const RUNNING = new Set(["queued", "in_progress", "pending"]);
/**
 * A deployment no workflow ever picked up stays `queued` forever on GitHub; after this
 * long it no longer blocks new deployments of its environment.
 */
export const ABANDONED_AFTER_MS = 6 * 3600_000;

/** Deployments of one environment, newest first (environment names compare case-insensitively). */
export function deploymentsOf(facts: RepoFacts, environment: string): DeploymentFact[] {
  return facts.deployments.filter((d) => d.environment.toLowerCase() === environment.toLowerCase());
}

/** The deployment of this environment still queued or running, if any. */
export function runningDeployment(facts: RepoFacts, environment: string, now: Date): DeploymentFact | undefined {
  return deploymentsOf(facts, environment).find((d) => RUNNING.has(d.state) && now.getTime() - Date.parse(d.createdAt) < ABANDONED_AFTER_MS);
}

/** What the environment runs now: its newest deployment whose latest status is `success`. */
export function currentDeployment(facts: RepoFacts, environment: string): DeploymentFact | undefined {
  return deploymentsOf(facts, environment).find((d) => d.state === "success");
}

/** SHAs a successful rollback replaced: never offered again as "last good". */
export function rolledBackShas(facts: RepoFacts, environment: string): Set<string> {
  const prefix = `${environment.toLowerCase()}:`;
  return new Set([...rolledBackKeys(facts)].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)));
}

/**
 * The version to roll back to: the newest deployment of the environment, older than the
 * current one and of another SHA, that succeeded and was not itself rolled back.
 * (Earlier successes of non-production environments read `inactive` today: GitHub's
 * auto_inactive marks them when a newer one succeeds, so "ever succeeded" is what counts.)
 */
export function lastGoodDeployment(facts: RepoFacts, environment: string): DeploymentFact | undefined {
  const history = deploymentsOf(facts, environment);
  const current = currentDeployment(facts, environment) ?? history.find((d) => d.everSucceeded);
  if (!current) return undefined;
  const bad = rolledBackShas(facts, environment);
  return history.find((d) => d.id < current.id && d.everSucceeded && d.sha !== current.sha && !bad.has(d.sha));
}

/** Environments where this SHA has succeeded. */
export function reachedEnvironments(facts: RepoFacts, sha: string): Set<string> {
  return new Set(facts.deployments.filter((d) => d.sha === sha && d.everSucceeded).map((d) => d.environment.toLowerCase()));
}

/**
 * Deployments a successful rollback replaced, as `environment:sha` (environment in lower
 * case): shown as rolled back in comments, and never offered again as "last good".
 */
export function rolledBackKeys(facts: RepoFacts): Set<string> {
  const out = new Set<string>();
  for (const d of facts.deployments) {
    const replaced = d.shipline?.replaces;
    if (d.task === "deploy:rollback" && d.everSucceeded && typeof replaced === "string") out.add(`${d.environment.toLowerCase()}:${replaced}`);
  }
  return out;
}

/** The deployments that belong to a pull request: made for it, or of its head or merge commit. */
export function pullRequestHistory(facts: RepoFacts, pullNumber: number): DeploymentFact[] {
  const shas = new Set([facts.pull?.head, facts.pull?.mergeCommit].filter(Boolean));
  return facts.deployments.filter((d) => d.shipline?.pr === pullNumber || shas.has(d.sha));
}
