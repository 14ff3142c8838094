import { stageIndexOf, type ShiplineConfig, type Stage } from "../config/schema.js";
import type { DeploymentFact, RepoFacts } from "../github/facts.js";
import { deploymentsOf, rolledBackShas } from "./history.js";

/** What happens after a deployment status: nothing, the next stage, or an automatic rollback. */
export type AfterStatus =
  | { kind: "none"; reason: "not_shipline" | "not_final" | "no_next_stage" | "manual_next_stage" | "already_promoted" | "locked" | "no_auto_rollback" | "rollback_of_rollback" | "already_rolled_back" | "nothing_to_roll_back" | "not_a_stage" }
  | { kind: "promote"; stage: Stage; stageIndex: number; sha: string; marker: string }
  | { kind: "rollback"; stage: Stage; stageIndex: number; to: DeploymentFact; replaces: { id: number; sha: string }; marker: string };

export interface StatusEvent {
  state: string;
  deployment: { id: number; sha: string; environment: string; task: string; shipline: Record<string, unknown> | null };
}

/**
 * What the config alone rules out, before any fact is fetched: most statuses (a manual next
 * stage, no auto_rollback) need no further request.
 */
export function followUpRuledOut(event: StatusEvent, config: ShiplineConfig): Extract<AfterStatus, { kind: "none" }> | null {
  const { deployment } = event;
  if (!deployment.shipline) return { kind: "none", reason: "not_shipline" };
  const index = stageIndexOf(config, deployment.environment);
  if (index === -1) return { kind: "none", reason: "not_a_stage" };
  if (event.state === "success") {
    // A rollback restores a stage; it does not carry an old version onwards.
    if (deployment.task !== "deploy") return { kind: "none", reason: "rollback_of_rollback" };
    const next = config.stages[index + 1];
    if (!next) return { kind: "none", reason: "no_next_stage" };
    if (!next.auto) return { kind: "none", reason: "manual_next_stage" };
    return null;
  }
  if (event.state !== "failure" && event.state !== "error") return { kind: "none", reason: "not_final" };
  if (!config.stages[index]!.auto_rollback) return { kind: "none", reason: "no_auto_rollback" };
  if (deployment.task !== "deploy") return { kind: "none", reason: "rollback_of_rollback" };
  return null;
}

/**
 * Decides what follows a deployment status. Safe against loops and redeliveries: a rollback
 * is never rolled back, and each follow-up carries a marker (`status:<id>`) that the facts
 * show once it exists.
 */
export function afterStatus(event: StatusEvent, config: ShiplineConfig, facts: RepoFacts): AfterStatus {
  const ruledOut = followUpRuledOut(event, config);
  if (ruledOut) return ruledOut;
  const { deployment } = event;
  const index = stageIndexOf(config, deployment.environment);
  const stage = config.stages[index]!;
  const marker = `status:${deployment.id}`;
  const followed = facts.deployments.some((d) => d.shipline?.source === marker);

  if (event.state === "success") {
    const next = config.stages[index + 1]!;
    if (followed || deploymentsOf(facts, next.environment).some((d) => d.sha === deployment.sha && d.shipline)) return { kind: "none", reason: "already_promoted" };
    const actor = typeof deployment.shipline?.actor === "string" ? deployment.shipline.actor : "";
    const lock = facts.locks.get(next.environment);
    if (lock && !(lock.kind === "held" && lock.lock.holder === actor)) return { kind: "none", reason: "locked" };
    // Soak, freeze and checks are the protection rule's to enforce on the new deployment.
    return { kind: "promote", stage: next, stageIndex: index + 1, sha: deployment.sha, marker };
  }

  if (followed) return { kind: "none", reason: "already_rolled_back" };
  const bad = rolledBackShas(facts, stage.environment);
  const to = deploymentsOf(facts, stage.environment).find((d) => d.id < deployment.id && d.everSucceeded && d.sha !== deployment.sha && !bad.has(d.sha));
  if (!to) return { kind: "none", reason: "nothing_to_roll_back" };
  return { kind: "rollback", stage, stageIndex: index, to, replaces: { id: deployment.id, sha: deployment.sha }, marker };
}
