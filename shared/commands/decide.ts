import type { Command, RollbackTarget } from "./grammar.js";
import { PERMISSIONS, type Permission, type ShiplineConfig, type Stage } from "../config/schema.js";
import type { DeploymentFact, PullFacts, RepoFacts } from "../github/facts.js";
import { deploymentsOf, lastGoodDeployment, currentDeployment, reachedEnvironments, runningDeployment } from "../pipeline/history.js";
import { shortSha } from "../render/markdown.js";
import type { CheckFact } from "../gates/gates.js";
import { GATE_REASON, stageGates } from "../gates/preflight.js";
import { approversOf, countedApprovals } from "../gates/approvals.js";
import { approvalsIn } from "../github/records.js";

/** Stable reason codes: the same words in the PR comment, the check run, outputs and logs. */
export type ReasonCode =
  | "deploy"
  | "dry_run"
  | "rollback"
  | "lock"
  | "unlock"
  | "help"
  | "bad_command"
  | "permission_denied"
  | "locked"
  | "not_locked"
  | "commit_after_command"
  | "ref_changed"
  | "sha_mismatch"
  | "fork_denied"
  | "pr_closed"
  | "checks_failing"
  | "not_approved"
  | "deploy_in_progress"
  | "already_deployed"
  | "nothing_to_roll_back"
  | "bad_target"
  | "gate_checks"
  | "gate_freeze"
  | "gate_soak"
  | "order"
  | "outdated"
  | "naked_command"
  | "pr_base_not_default"
  | "behind"
  | "waiting_approval"
  | "approve"
  | "not_approver"
  | "self_approval";

export interface Actor {
  login: string;
  /** `role_name` from the collaborator permission API; `none` for no access. */
  role: Permission | "none";
}

/** What a command acts on: a pull request (its head, or its merge commit once merged) or one commit (a button). */
export interface Subject {
  sha: string;
  pull: PullFacts | null;
}

export type Decision =
  | { decision: "deploy"; reasonCode: "deploy" | "dry_run"; stage: Stage; stageIndex: number; sha: string; message: string }
  | { decision: "rollback"; reasonCode: "rollback" | "dry_run"; stage: Stage; stageIndex: number; sha: string; replaces: DeploymentFact | null; message: string }
  | { decision: "hold"; reasonCode: "waiting_approval"; stage: Stage; stageIndex: number; sha: string; message: string }
  | { decision: "approve"; reasonCode: "approve"; stage: Stage; stageIndex: number; sha: string; message: string; complete: boolean }
  | { decision: "lock"; reasonCode: "lock"; stage: Stage; reason: string; message: string }
  | { decision: "unlock"; reasonCode: "unlock"; stage: Stage; message: string }
  | { decision: "help"; reasonCode: "help"; message: string }
  | { decision: "refuse"; reasonCode: ReasonCode; message: string; stage?: Stage; details?: Record<string, unknown> };

export interface DecideInput {
  command: Command;
  config: ShiplineConfig;
  facts: RepoFacts;
  actor: Actor;
  subject: Subject;
  /** When the command comment was written; a button click has none. */
  commandAt: string | null;
  now: Date;
  /** Resolves an explicit rollback target; null when it is not allowed (see `rollbackTarget`). */
  resolvedTarget?: { sha: string; deployment: DeploymentFact | null } | null;
  /** Check runs and statuses on the subject's SHA (the checks gate); Shipline's own run is left out here. */
  checks?: readonly CheckFact[];
  /**
   * When the subject is an ancestor of what the environment runs: the commits a deploy would
   * take away (read through the API by the caller, only when it can be so).
   */
  outdated?: { live: string; behind: number } | null;
  /** How many commits of the default branch an open pull request's head lacks (asked only where `require_up_to_date`). */
  behind?: number | null;
  /** `/approve`: whether the actor is one the stage takes approvals from (a login listed, a team member), read by the caller. */
  approver?: boolean;
}

const GATE_MARK = { approved: "✅", rejected: "⛔", pending: "⏳" } as const;

function refuse(reasonCode: ReasonCode, message: string, stage?: Stage, details?: Record<string, unknown>): Decision {
  return { decision: "refuse", reasonCode, message, ...(stage ? { stage } : {}), ...(details ? { details } : {}) };
}

export function hasPermission(role: Actor["role"], needed: Permission): boolean {
  return role !== "none" && PERMISSIONS.indexOf(role) >= PERMISSIONS.indexOf(needed);
}

/**
 * The environment a command means when it names none: `/deploy` and `/lock` take the first
 * stage the subject has not reached; `/rollback` and `/unlock` the last stage it reached.
 */
export function defaultStageIndex(command: Command, config: ShiplineConfig, facts: RepoFacts, subject: Subject): number {
  const reached = reachedEnvironments(facts, subject.sha);
  const firstNotReached = config.stages.findIndex((s) => !reached.has(s.environment.toLowerCase()));
  const lastReached = config.stages.map((s) => reached.has(s.environment.toLowerCase())).lastIndexOf(true);
  if (command.kind === "rollback" || command.kind === "unlock") return lastReached === -1 ? 0 : lastReached;
  if (command.kind === "approve") {
    // The first stage that asks for approvals and has not taken the subject yet.
    const asking = config.stages.findIndex((s) => s.approvals && !reached.has(s.environment.toLowerCase()));
    return asking === -1 ? Math.max(config.stages.findIndex((s) => s.approvals), 0) : asking;
  }
  return firstNotReached === -1 ? config.stages.length - 1 : firstNotReached;
}

function lockedBySomeoneElse(facts: RepoFacts, stage: Stage, actor: Actor): Decision | null {
  const lock = facts.locks.get(stage.environment);
  if (!lock) return null;
  if (lock.kind === "unreadable") {
    return refuse("locked", `${stage.environment} is locked, and the lock cannot be read; an admin can \`/unlock ${stage.environment}\`.`, stage);
  }
  if (lock.lock.holder === actor.login) return null;
  const why = lock.lock.reason ? `: ${lock.lock.reason}` : "";
  return refuse("locked", `${stage.environment} is locked by ${lock.lock.holder} since ${lock.lock.since}${why}.`, stage, { holder: lock.lock.holder, since: lock.lock.since });
}

function inProgress(facts: RepoFacts, stage: Stage, now: Date): Decision | null {
  const running = runningDeployment(facts, stage.environment, now);
  if (!running) return null;
  return refuse("deploy_in_progress", `Deployment ${running.id} of ${shortSha(running.sha)} to ${stage.environment} is still ${running.state}; wait for it to finish.`, stage, {
    deploymentId: running.id,
    ...(running.logUrl ? { logUrl: running.logUrl } : {}),
  });
}

/** Decides a command from facts fetched up front. Pure: same facts, same answer. */
export function decide(input: DecideInput): Decision {
  const { command, config, facts, actor, subject, now } = input;
  if (command.kind === "help") return { decision: "help", reasonCode: "help", message: "Shipline's commands." };

  const stageIndex = command.environment
    ? config.stages.findIndex((s) => s.environment === command.environment)
    : defaultStageIndex(command, config, facts, subject);
  const stage = config.stages[stageIndex]!;

  if (command.kind === "unlock") {
    const lock = facts.locks.get(stage.environment);
    if (!lock) return refuse("not_locked", `${stage.environment} is not locked.`, stage);
    const holder = lock.kind === "held" ? lock.lock.holder : null;
    if (holder !== actor.login && actor.role !== "admin") {
      return refuse("permission_denied", `Only ${holder ?? "an admin"} (who holds the lock) or an admin can unlock ${stage.environment}.`, stage);
    }
    return { decision: "unlock", reasonCode: "unlock", stage, message: `${actor.login} unlocked ${stage.environment}.` };
  }

  if (command.kind === "approve") return decideApproval(input, stage, stageIndex);

  if (!hasPermission(actor.role, stage.permission)) {
    return refuse("permission_denied", `${command.kind === "lock" ? "Locking" : "Deploying to"} ${stage.environment} needs the ${stage.permission} permission; ${actor.login} has ${actor.role}.`, stage, { needed: stage.permission, has: actor.role });
  }

  const pull = subject.pull;
  if (pull?.fork && !config.allow_forks) return refuse("fork_denied", "Pull requests from forks cannot run commands here (set `allow_forks: true` to allow them).", stage);

  if (command.kind === "lock") {
    const other = lockedBySomeoneElse(facts, stage, actor);
    if (other) return other;
    if (facts.locks.has(stage.environment)) return refuse("locked", `${stage.environment} is already locked by ${actor.login}.`, stage);
    return { decision: "lock", reasonCode: "lock", stage, reason: command.reason, message: `${actor.login} locked ${stage.environment}${command.reason ? `: ${command.reason}` : ""}.` };
  }

  if (pull?.state === "closed") return refuse("pr_closed", `Pull request #${pull.number} was closed without being merged; nothing to deploy from it.`, stage);
  if (pull?.state === "open" && input.commandAt && pull.headCommittedAt > input.commandAt) {
    return refuse("commit_after_command", `A commit (${shortSha(pull.head)}) was pushed after the command was written; review it and comment again.`, stage, { head: pull.head });
  }

  const locked = lockedBySomeoneElse(facts, stage, actor);
  if (locked) return locked;
  const running = inProgress(facts, stage, now);
  if (running) return running;

  if (command.kind === "deploy") {
    // An emergency deploy through a freeze is an admin's call, and it is recorded.
    if (command.overrideFreeze && actor.role !== "admin") {
      return refuse("permission_denied", `Only an admin can deploy through a freeze window (--override-freeze); ${actor.login} has ${actor.role}.`, stage);
    }
    // Only what would merge into the default branch deploys: a PR into a release branch or
    // into another PR's branch is not what the pipeline ships.
    if (pull && pull.baseRef !== null && pull.baseRef !== facts.defaultBranch) {
      return refuse("pr_base_not_default", `Pull request #${pull.number} merges into \`${pull.baseRef}\`, not \`${facts.defaultBranch}\`; only pull requests into the default branch deploy.`, stage, { base: pull.baseRef });
    }
    if (pull?.state === "open" && stage.require_up_to_date && input.behind) {
      return refuse("behind", `Pull request #${pull.number} lacks ${input.behind} commit${input.behind === 1 ? "" : "s"} of \`${facts.defaultBranch}\`, and ${stage.environment} takes only an up-to-date head: update the branch and comment again.`, stage, { behind: input.behind });
    }
    const reached = reachedEnvironments(facts, subject.sha);
    if (command.environment === undefined && config.stages.every((s) => reached.has(s.environment.toLowerCase()))) {
      return refuse("already_deployed", `${shortSha(subject.sha)} is already live in every stage.`, stage);
    }
    // A production stage is deployed to by name only: `/deploy` alone never ships to users.
    if (command.environment === undefined && stage.production) {
      return refuse("naked_command", `A bare \`/deploy\` never deploys to ${stage.environment}, a production stage; name it: \`/deploy ${stage.environment}\`.`, stage);
    }
    if (pull?.state === "open" && stage.require_approval && !pull.approved) {
      return refuse("not_approved", `${stage.environment} takes an unmerged pull request only once it is approved.`, stage);
    }
    if (pull?.state === "open" && stage.require_checks && pull.checks !== "success") {
      return refuse("checks_failing", `${stage.environment} takes an unmerged pull request only with its checks green; they are ${pull.checks} on ${shortSha(subject.sha)}.`, stage, { checks: pull.checks });
    }
    // Order: a stage takes only what succeeded in the stage before it.
    const previous = config.stages[stageIndex - 1];
    if (previous && stage.require_previous !== false && !deploymentsOf(facts, previous.environment).some((d) => d.sha === subject.sha && d.everSucceeded)) {
      return refuse("order", `${shortSha(subject.sha)} has not succeeded in ${previous.environment}, the stage before ${stage.environment}; deploy it there first.`, stage, { previous: previous.environment });
    }
    // Never older than what is live: going back is /rollback's job, on purpose.
    if (input.outdated) {
      return refuse("outdated", `${shortSha(subject.sha)} is older than what ${stage.environment} runs (${shortSha(input.outdated.live)}): deploying it would take away ${input.outdated.behind} commit${input.outdated.behind === 1 ? "" : "s"}. Use \`/rollback ${stage.environment} to ${shortSha(subject.sha)}\` to go back on purpose.`, stage, { live: input.outdated.live, behind: input.outdated.behind });
    }
    const gates = stageGates(config, stageIndex, subject.sha, facts, input.checks ?? [], command.overrideFreeze === true, now);
    const answers = gates.map((g) => `${GATE_MARK[g.state]} ${g.gate}: ${g.message}`).join(" ");
    const closed = gates.find((g) => g.state === "rejected") ?? gates.find((g) => g.state === "pending");
    if (closed?.gate === "approval" && !command.dryRun) {
      // Held, not refused: the approval, when it comes, lets this very command go on.
      return { decision: "hold", reasonCode: "waiting_approval", stage, stageIndex, sha: subject.sha, message: closed.message };
    }
    if (closed) {
      const code = GATE_REASON[closed.gate];
      // A dry run reports every gate's answer; a real one names the gate that holds.
      return refuse(code, command.dryRun ? `${shortSha(subject.sha)} would not deploy to ${stage.environment} now. ${answers}` : closed.message, stage, { gate: closed.gate, state: closed.state, ...(closed.decideAgainAt ? { until: closed.decideAgainAt } : {}) });
    }
    const verb = command.dryRun ? "Would deploy" : "Deploying";
    return { decision: "deploy", reasonCode: command.dryRun ? "dry_run" : "deploy", stage, stageIndex, sha: subject.sha, message: `${verb} ${shortSha(subject.sha)} to ${stage.environment}.${command.dryRun ? ` ${answers}` : ""}` };
  }

  // rollback
  const current = currentDeployment(facts, stage.environment) ?? deploymentsOf(facts, stage.environment).find((d) => d.everSucceeded) ?? null;
  if (command.target) {
    if (!input.resolvedTarget) return refuse("bad_target", `${describeTarget(command.target)} is neither reachable from the default branch nor a version that was deployed successfully.`, stage);
    if (current && input.resolvedTarget.sha === current.sha) return refuse("nothing_to_roll_back", `${stage.environment} already runs ${shortSha(current.sha)}.`, stage);
    return { decision: "rollback", reasonCode: "rollback", stage, stageIndex, sha: input.resolvedTarget.sha, replaces: current, message: `Rolling ${stage.environment} back to ${shortSha(input.resolvedTarget.sha)}.` };
  }
  const good = lastGoodDeployment(facts, stage.environment);
  if (!good) return refuse("nothing_to_roll_back", `${stage.environment} has no earlier successful deployment to roll back to.`, stage);
  return { decision: "rollback", reasonCode: "rollback", stage, stageIndex, sha: good.sha, replaces: current, message: `Rolling ${stage.environment} back to ${shortSha(good.sha)} (deployment ${good.id}).` };
}

/**
 * `/approve [env]` and the Approve button: one person's yes for the subject's SHA in one
 * environment. Only those the stage names (or, without names, those who may deploy there), and
 * never the change's author unless the stage allows it.
 */
function decideApproval(input: DecideInput, stage: Stage, stageIndex: number): Decision {
  const { actor, subject } = input;
  const pull = subject.pull;
  const env = stage.environment;
  if (!stage.approvals) return refuse("bad_command", `${env} asks for no approval: add \`approvals:\` to its stage in .github/shipline.yml to ask for some.`, stage);
  if (pull?.state === "closed") return refuse("pr_closed", `Pull request #${pull.number} was closed without being merged; nothing to approve.`, stage);
  if (pull?.state === "open" && input.commandAt && pull.headCommittedAt > input.commandAt) {
    return refuse("commit_after_command", `A commit (${shortSha(pull.head)}) was pushed after the approval was written; review it and approve again.`, stage, { head: pull.head });
  }
  const named = stage.approvals.from !== undefined;
  if (named ? !input.approver : !hasPermission(actor.role, stage.permission)) {
    return refuse("not_approver", `Only ${approversOf(stage)} may approve deployments to ${env}; ${actor.login} may not.`, stage, named ? { from: stage.approvals.from } : { needed: stage.permission, has: actor.role });
  }
  const author = pull?.author ?? null;
  if (!stage.allow_self_approval && author && author.toLowerCase() === actor.login.toLowerCase()) {
    return refuse("self_approval", `${actor.login} wrote this change and may not approve its deployment to ${env}: another approver must (\`allow_self_approval\` is off).`, stage);
  }
  const recorded = approvalsIn(pull?.shiplineCommentBody);
  const already = recorded.some((a) => a.environment.toLowerCase() === env.toLowerCase() && a.sha === subject.sha && a.login.toLowerCase() === actor.login.toLowerCase());
  const counted = countedApprovals(stage, subject.sha, already ? recorded : [...recorded, { environment: env, sha: subject.sha, login: actor.login, at: "" }], author).length;
  const of = `${counted} of ${stage.approvals.count}`;
  return {
    decision: "approve",
    reasonCode: "approve",
    stage,
    stageIndex,
    sha: subject.sha,
    complete: counted >= stage.approvals.count,
    message: already ? `${actor.login} had already approved ${shortSha(subject.sha)} for ${env} (${of}).` : `${actor.login} approved ${shortSha(subject.sha)} for ${env} (${of}).`,
  };
}

export function describeTarget(target: RollbackTarget): string {
  if (target.kind === "sha") return `\`${target.sha}\``;
  if (target.kind === "tag") return `tag \`${target.tag}\``;
  return `deployment ${target.id}`;
}
