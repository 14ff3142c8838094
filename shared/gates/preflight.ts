import { parseConfig, defaultConfig, stageIndexOf, type ShiplineConfig } from "../config/schema.js";
import { FACTS_QUERY, parseFacts, type CheckFact, type RepoFacts } from "../github/facts.js";
import type { GitHubGateway } from "../github/gateway.js";
import { shiplineOf } from "../github/payload.js";
import { checksToWaitFor } from "./protection.js";
import { deploymentsOf } from "../pipeline/history.js";
import { CHECK_RUN_NAME } from "../github/records.js";
import { checksGate, freezeGate, GATE_REASON, lockGate, soakGate, type GateResult } from "./gates.js";
import { approvalGate } from "./approvals.js";
import { approvalsIn } from "../github/records.js";
import { parse as parseYaml } from "yaml";

export { GATE_REASON };

/**
 * The stage's gates for one SHA: required checks green (Shipline's own run aside), no freeze
 * (unless an admin's override was recorded), the previous stage's soak over. The same engine
 * answers `/deploy`, the buttons, merges, the protection rule and the deploy action.
 */
export function stageGates(config: ShiplineConfig, stageIndex: number, sha: string, facts: RepoFacts, checks: readonly CheckFact[], overrideFreeze: boolean, now: Date): GateResult[] {
  const stage = config.stages[stageIndex]!;
  const previous = config.stages[stageIndex - 1];
  const successAt = previous ? (deploymentsOf(facts, previous.environment).filter((d) => d.sha === sha && d.successAt).map((d) => d.successAt!).sort()[0] ?? null) : null;
  const pull = facts.pull;
  return [
    checksGate(stage, checks.filter((c) => c.name !== CHECK_RUN_NAME)),
    freezeGate(stage, now, overrideFreeze),
    soakGate(previous, successAt, now),
    // Approvals are recorded in Shipline's comment on the change's pull request: without one, none.
    approvalGate(stage, sha, approvalsIn(pull?.shiplineCommentBody), pull?.author ?? null),
  ];
}

export interface PreflightInput {
  deployment: { id: number; sha: string; environment: string; task: string; shipline: Record<string, unknown> | null; creator: string };
  facts: RepoFacts;
  /** Check runs and statuses on the SHA, the job's own run left out. */
  checks: readonly CheckFact[];
  now: Date;
}

export type Preflight =
  | { ok: true; gates: GateResult[]; note: string }
  | { ok: false; reasonCode: (typeof GATE_REASON)[keyof typeof GATE_REASON] | "config_invalid"; message: string; gates: GateResult[] };

/**
 * The deploy action's pre-flight: before anything runs, the stage's gates for the deployment's
 * SHA, read through the API. It holds on every plan, for a deployment created by hand too. A
 * rollback is never held: it restores what ran before, freeze or not.
 */
export function preflight({ deployment, facts, checks, now }: PreflightInput): Preflight {
  let config: ShiplineConfig;
  if (facts.configText === null) config = defaultConfig();
  else {
    const parsed = parseConfig(parseYaml(facts.configText) ?? {});
    if (!parsed.ok) return { ok: false, reasonCode: "config_invalid", message: `.github/shipline.yml on the default branch is not valid (${parsed.problems.map((p) => `${p.path}: expected ${p.expected}`).join("; ")}): no gate can be asked, so nothing runs.`, gates: [] };
    config = parsed.config;
  }
  const index = stageIndexOf(config, deployment.environment);
  if (index === -1) return { ok: true, gates: [], note: `${deployment.environment} is not a stage of .github/shipline.yml: no gate applies.` };
  if (deployment.task !== "deploy") return { ok: true, gates: [], note: `A ${deployment.task} is never held: it restores what ran before.` };
  const stage = config.stages[index]!;
  const actor = typeof deployment.shipline?.actor === "string" ? deployment.shipline.actor : deployment.creator;
  const gates = [...stageGates(config, index, deployment.sha, facts, checks, deployment.shipline?.override_freeze === true, now), lockGate(stage, facts.locks.get(stage.environment), actor)];
  const previous = config.stages[index - 1];
  if (previous && stage.require_previous !== false) {
    const succeeded = deploymentsOf(facts, previous.environment).some((d) => d.sha === deployment.sha && d.everSucceeded);
    gates.push(
      succeeded
        ? { gate: "order", state: "approved", message: `It succeeded in ${previous.environment} before.` }
        : { gate: "order", state: "rejected", message: `${deployment.sha.slice(0, 7)} has not succeeded in ${previous.environment}, the stage before ${stage.environment}.` },
    );
  }
  // A pending gate (checks still running, soak not over) holds too: the job cannot wait for it.
  const closed = gates.find((g) => g.state === "rejected") ?? gates.find((g) => g.state === "pending");
  if (closed) return { ok: false, reasonCode: GATE_REASON[closed.gate], message: closed.message, gates };
  return { ok: true, gates, note: "Every gate passed." };
}

/**
 * The deploy action's question, through the API: the facts query (config, deployments, locks)
 * and the SHA's check runs and statuses, the job's own run (`runId`) left out. 3 requests.
 */
export async function askGates(
  github: GitHubGateway,
  deployment: { id: number; sha: string; environment: string; task?: string; payload?: unknown; creator?: { login?: string } | null },
  runId: number,
  now: Date,
  /** The Shipline app's bot login: its comment holds the approvals (the job's token did not write it). */
  shiplineLogin = "shipline[bot]",
): Promise<Preflight> {
  // The pull request the deployment came from holds its approvals (Shipline's comment): asked in the same query.
  const pr = shiplineOf(deployment.payload)?.pr;
  const [facts, runs, statuses] = await Promise.all([github.facts(FACTS_QUERY, typeof pr === "number" ? pr : null).then((data) => parseFacts(data, { shiplineLogin })), github.checkRunsOn(deployment.sha), github.commitStatuses(deployment.sha)]);
  return preflight({
    deployment: { id: deployment.id, sha: deployment.sha, environment: deployment.environment, task: deployment.task ?? "deploy", shipline: shiplineOf(deployment.payload), creator: deployment.creator?.login ?? "unknown" },
    facts,
    checks: checksToWaitFor(runs, statuses, runId),
    now,
  });
}
