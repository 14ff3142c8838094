import { stageIndexOf, type ShiplineConfig } from "../config/schema.js";
import type { RepoFacts } from "../github/facts.js";
import { deploymentsOf } from "../pipeline/history.js";
import { checksGate, combineGates, freezeGate, lockGate, soakGate, type CheckFact, type GateResult, type GateState } from "./gates.js";
import { CHECK_RUN_NAME } from "../github/records.js";

export interface ProtectionRequest {
  environment: string;
  sha: string;
  /** Who asked for the deployment: Shipline's payload names the person, else the creator. */
  actor: string;
  /** Recorded in the payload by an admin's `/deploy ... --override-freeze`. */
  overrideFreeze: boolean;
  /** The workflow run waiting on this rule: its own jobs are not checks to wait for. */
  runId: number;
}

export interface ProtectionDecision {
  /** `pending` means: report, and decide again when the facts change. */
  state: GateState;
  comment: string;
  gates: GateResult[];
  /**
   * When every pending gate passes by itself at a known time (soak), the time to decide
   * again; null when an event (a check completing) will bring the next decision.
   */
  decideAgainAt: string | null;
}

/**
 * Who asked for a deployment of `sha` to `environment`, and whether an admin's freeze override
 * was recorded: read from Shipline's newest deployment of that SHA there. A job that references
 * an environment gets a deployment record of GitHub's own (no Shipline payload), and a decision
 * taken again when a check completes has only the check's sender: both find the request here.
 */
export function shiplineRequestOf(facts: RepoFacts, sha: string, environment: string): { actor: string; overrideFreeze: boolean } | null {
  const d = deploymentsOf(facts, environment).find((x) => x.shipline && x.sha === sha);
  if (!d?.shipline) return null;
  return { actor: typeof d.shipline.actor === "string" ? d.shipline.actor : d.creator, overrideFreeze: d.shipline.override_freeze === true };
}

/** Check runs of other workflows and apps (not Shipline's own, not this run's waiting jobs). */
export function checksToWaitFor(runs: ReadonlyArray<{ id: number; name: string; status: string; conclusion: string | null; details_url?: string | null }>, statuses: ReadonlyArray<{ id: number; context: string; state: string }>, runId: number): CheckFact[] {
  const ownRun = new RegExp(`/actions/runs/${runId}(/|$)`);
  return [
    ...runs.filter((r) => r.name !== CHECK_RUN_NAME && !ownRun.test(r.details_url ?? "")).map((r) => ({ name: r.name, id: r.id, status: r.status, conclusion: r.conclusion })),
    ...statuses.map((s) => ({ name: s.context, id: s.id, status: s.state, conclusion: null })),
  ];
}

/**
 * Shipline as a custom deployment protection rule: every gate of the stage is evaluated for
 * the exact SHA; the comment says which gate decided and why, in words.
 */
export function decideProtection(request: ProtectionRequest, config: ShiplineConfig, facts: RepoFacts, checks: readonly CheckFact[], now: Date): ProtectionDecision {
  const index = stageIndexOf(config, request.environment);
  if (index === -1) {
    return { state: "approved", gates: [], comment: `Shipline: ${request.environment} is not a stage in .github/shipline.yml; no gate applies.`, decideAgainAt: null };
  }
  const stage = config.stages[index]!;
  const previous = config.stages[index - 1];
  const successAt = previous
    ? deploymentsOf(facts, previous.environment)
        .filter((d) => d.sha === request.sha && d.successAt)
        .map((d) => d.successAt!)
        .sort()[0] ?? null
    : null;
  const gates = [
    checksGate(stage, checks),
    freezeGate(stage, now, request.overrideFreeze),
    soakGate(previous, successAt, now),
    lockGate(stage, facts.locks.get(stage.environment), request.actor),
  ];
  const { state, decidedBy } = combineGates(gates);
  const mark = { approved: "✅", rejected: "⛔", pending: "⏳" } as const;
  const lines = gates.map((g) => `${mark[g.state]} ${g.gate}: ${g.message}`);
  const head =
    state === "approved"
      ? `Shipline approved ${request.sha.slice(0, 7)} for ${stage.environment}: every gate passed.`
      : state === "rejected"
        ? `Shipline rejected ${request.sha.slice(0, 7)} for ${stage.environment}: the ${decidedBy!.gate} gate decided. ${decidedBy!.message}`
        : `Shipline is waiting before ${stage.environment} takes ${request.sha.slice(0, 7)}: ${decidedBy!.message} It decides again when this changes.`;
  const pending = gates.filter((g) => g.state === "pending");
  const timed = state === "pending" && pending.every((g) => g.decideAgainAt);
  const decideAgainAt = timed ? pending.map((g) => g.decideAgainAt!).sort().at(-1)! : null;
  return { state, gates, comment: [head, "", ...lines].join("\n"), decideAgainAt };
}
