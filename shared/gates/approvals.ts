import type { Stage } from "../config/schema.js";
import type { Approval } from "../github/records.js";
import type { GateResult } from "./gates.js";

/** Who a stage takes approvals from, in words: `alice or @acme/release-managers`. */
export function approversOf(stage: Stage): string {
  const from = stage.approvals?.from;
  if (!from || from.length === 0) return `anyone with ${stage.permission} permission`;
  return from.join(", ").replace(/, ([^,]*)$/, " or $1");
}

/** The approvals that count for a SHA in an environment: one per person, the change's author aside unless allowed. */
export function countedApprovals(stage: Stage, sha: string, approvals: readonly Approval[], author: string | null): Approval[] {
  const seen = new Set<string>();
  return approvals.filter((a) => {
    if (a.environment.toLowerCase() !== stage.environment.toLowerCase() || a.sha !== sha) return false;
    if (!stage.allow_self_approval && author && a.login.toLowerCase() === author.toLowerCase()) return false;
    const key = a.login.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function approvalGate(stage: Stage, sha: string, approvals: readonly Approval[], author: string | null): GateResult {
  const needed = stage.approvals?.count ?? 0;
  if (needed === 0) return { gate: "approval", state: "approved", message: `${stage.environment} needs no approval.` };
  const given = countedApprovals(stage, sha, approvals, author);
  const by = given.map((a) => a.login).join(", ");
  if (given.length >= needed) return { gate: "approval", state: "approved", message: `Approved for ${stage.environment} by ${by}.` };
  const missing = needed - given.length;
  return {
    gate: "approval",
    state: "pending",
    message: `Waiting for ${missing} approval${missing === 1 ? "" : "s"} from ${approversOf(stage)}${given.length ? ` (approved by ${by})` : ""}: \`/approve ${stage.environment}\`.`,
  };
}
