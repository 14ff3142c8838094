import { decide, defaultStageIndex, describeTarget, type Actor, type Decision } from "./decide.js";
import { checksToWaitFor } from "../gates/protection.js";
import type { CheckFact } from "../github/facts.js";
import { currentDeployment } from "../pipeline/history.js";
import { parseCommand, type Command, type RollbackTarget } from "./grammar.js";
import { PERMISSIONS, type Permission, type ShiplineConfig } from "../config/schema.js";
import { FACTS_QUERY, parseFacts, type DeploymentFact, type RepoFacts } from "../github/facts.js";
import type { GitHubGateway } from "../github/gateway.js";
import { deploymentsOf, pullRequestHistory, rolledBackKeys } from "../pipeline/history.js";
import { configFromFacts, type LoadedConfig } from "../config/load.js";
import { EMPTY_TREE, lockMessage, lockRef } from "../locks/lock.js";
import { escapeMarkdown, shortSha } from "../render/markdown.js";
import { approveButton } from "../render/check-runs.js";
import { commandCheckRun, commandOutcome, renderHelp, renderPullRequestComment, type CommentInput } from "../render/comment.js";
import { approvalMarker, approvalsIn, waitingIn, type Approval, type Waiting } from "../github/records.js";

/** Where a command came from: a PR comment (text) or a check run button (already typed). */
export type CommandSource =
  | { kind: "comment"; text: string; commentId: number; pullNumber: number; createdAt: string }
  | { kind: "button"; action: "deploy" | "rollback" | "approve"; stageIndex: number; checkRunId: number; sha: string; pullNumber: number | null };

export interface CommandResult {
  decision: Decision | { decision: "refuse"; reasonCode: "bad_command" | "config_invalid"; message: string };
  deploymentId: number | null;
  requests: number;
}

export interface RunCommandInput {
  github: GitHubGateway;
  source: CommandSource;
  actor: string;
  /**
   * Probot's loader, for a config that extends another file (`repoHasFile`), or for a
   * repository without one (then only the organisation's `.github` is left to read).
   */
  loadConfig: (repoHasFile: boolean) => Promise<LoadedConfig>;
  now: Date;
}

/**
 * Runs one command from a comment or a button: gather the facts once, decide (pure), act,
 * then answer in Shipline's PR comment and a check run. Every refusal has a reason code.
 */
export async function runCommand({ github, source, actor, loadConfig, now }: RunCommandInput): Promise<CommandResult> {
  if (source.kind === "comment") await github.reactToComment(source.commentId, "eyes");
  const facts = parseFacts(await github.facts(FACTS_QUERY, source.pullNumber));
  const loaded = await configFromFacts(facts, loadConfig);
  const subjectSha = source.kind === "button" ? source.sha : facts.pull?.state === "merged" ? (facts.pull.mergeCommit ?? facts.pull.head) : (facts.pull?.head ?? facts.defaultHead);

  const answer = async (decision: CommandResult["decision"], body: string, config: ShiplineConfig | null, created: CreatedDeployment | null, records?: CommentInput["records"]) => {
    await respond(github, source, facts, subjectSha, decision as Decision, body, config, actor, created, now, records);
    return { decision, deploymentId: created?.id ?? null, requests: github.requests };
  };

  if (!loaded.ok) {
    const problems = loaded.problems.map((p) => `- \`${p.path}\`: expected ${p.expected}; found ${p.found}.`).join("\n");
    const decision = { decision: "refuse" as const, reasonCode: "config_invalid" as const, message: `${loaded.source} on the default branch is not valid, so no command can run.` };
    return answer(decision, problems, null, null);
  }
  const config = loaded.config;
  const environments = config.stages.map((s) => s.environment);
  let command: Command;
  if (source.kind === "comment") {
    const parsed = parseCommand(source.text, environments);
    if (!parsed) throw new Error("runCommand called with a comment that is not a command");
    if ("error" in parsed) return answer({ decision: "refuse", reasonCode: "bad_command", message: parsed.error.message }, "", config, null);
    command = parsed.command;
  } else {
    const stage = config.stages[source.stageIndex];
    if (!stage) return answer({ decision: "refuse", reasonCode: "bad_command", message: `This button names stage ${source.stageIndex + 1}, but the pipeline has ${config.stages.length}.` }, "", config, null);
    command = source.action === "deploy" ? { kind: "deploy", environment: stage.environment, dryRun: false } : source.action === "approve" ? { kind: "approve", environment: stage.environment } : { kind: "rollback", environment: stage.environment };
  }
  if (command.kind === "help") return answer({ decision: "help", reasonCode: "help", message: "Shipline's commands." }, renderHelp(config), config, null);

  const who = await actorOf(github, actor);
  const resolvedTarget = command.kind === "rollback" && command.target ? await resolveTarget(github, facts, command.target, command.environment ?? null) : undefined;
  // A run of this very command (a redelivery, or a retry after a crash) may already have made
  // its deployment: decide as the first run did, without it, and `act` finishes that work
  // instead of refusing it as a deploy in progress.
  const marker = sourceMarker(source);
  const own = facts.deployments.find((d) => d.shipline?.source === marker);
  // Likewise a lock this very command took before a crash: it is this command's, not someone's.
  const ownLocks = new Map([...facts.locks].filter(([, l]) => !(l.kind === "held" && l.lock.source === marker)));
  // A comment's subject is its pull request's commit; a button's approval is recorded on the
  // pull request the clicked commit belongs to.
  const pullOfSubject = facts.pull && (subjectSha === facts.pull.head || subjectSha === facts.pull.mergeCommit) ? facts.pull : null;
  const subject = { sha: subjectSha, pull: source.kind === "comment" ? facts.pull : command.kind === "approve" ? pullOfSubject : null };
  const gateFacts = command.kind === "deploy" ? await deployFacts(github, command, config, facts, subject) : {};
  const approver = command.kind === "approve" ? await isApprover(github, config, facts, command, subject, actor) : undefined;
  const decision = decide({
    ...gateFacts,
    command,
    config,
    facts: { ...facts, ...(own ? { deployments: facts.deployments.filter((d) => d !== own) } : {}), locks: ownLocks },
    actor: who,
    subject,
    commandAt: source.kind === "comment" ? source.createdAt : null,
    now,
    ...(resolvedTarget !== undefined ? { resolvedTarget } : {}),
    ...(approver !== undefined ? { approver } : {}),
  });

  const overrideFreeze = command.kind === "deploy" && command.overrideFreeze === true;
  const outcome = await act(github, decision, { actor, facts, source, pullNumber: source.pullNumber, now, overrideFreeze });
  const records = { approvals: approvalsIn(facts.pull?.shiplineCommentBody), waiting: waitingIn(facts.pull?.shiplineCommentBody) };
  if (decision.decision === "hold") {
    // Held, not refused: the command waits in the comment for its approvals.
    records.waiting = [...records.waiting.filter((w) => w.source !== marker), { environment: decision.stage.environment, sha: decision.sha, actor, source: marker }];
  }
  if (decision.decision === "approve") {
    const mine = (a: Approval) => a.environment.toLowerCase() === decision.stage.environment.toLowerCase() && a.sha === decision.sha && a.login.toLowerCase() === actor.toLowerCase();
    if (!records.approvals.some(mine)) records.approvals.push({ environment: decision.stage.environment, sha: decision.sha, login: actor, at: now.toISOString().replace(/\.\d{3}Z$/, "Z") });
    if (decision.complete) {
      const resumed = await resumeWaiting(github, { ...facts, pull: facts.pull ? { ...facts.pull, shiplineCommentBody: `${facts.pull.shiplineCommentBody ?? ""}\n${records.approvals.map(approvalMarker).join("\n")}` } : null }, config, decision, source.pullNumber, records.waiting, now);
      records.waiting = records.waiting.filter((w) => !resumed.done.includes(w));
      const after = resumed.outcomes.length ? ` ${resumed.outcomes.join(" ")}` : "";
      return answer({ ...decision, message: `${decision.message}${after}` }, "", config, resumed.created, records);
    }
  }
  return answer(outcome.decision, "", config, outcome.created, records);
}

/** A person and their repository role, read through the collaborator permission API (`none` for no access). */
async function actorOf(github: GitHubGateway, login: string): Promise<Actor> {
  const role = await github.collaboratorRole(login);
  return { login, role: (PERMISSIONS as readonly string[]).includes(role) ? (role as Permission) : "none" };
}

/**
 * Whether the actor is one the stage takes approvals from: a login listed, or an active member
 * of a team listed (`@org/slug`, read through the API with the app's `members: read`). Teams
 * are asked only when the login is not listed. Undefined when the stage names nobody.
 */
async function isApprover(github: GitHubGateway, config: ShiplineConfig, facts: RepoFacts, command: Command & { kind: "approve" }, subject: { sha: string; pull: RepoFacts["pull"] }, actor: string): Promise<boolean | undefined> {
  const index = command.environment ? config.stages.findIndex((s) => s.environment === command.environment) : defaultStageIndex(command, config, facts, subject);
  const from = config.stages[index]?.approvals?.from;
  if (!from) return undefined;
  if (from.some((f) => !f.startsWith("@") && f.toLowerCase() === actor.toLowerCase())) return true;
  for (const team of from.filter((f) => f.startsWith("@") && f.includes("/"))) {
    const [org, slug] = team.slice(1).split("/") as [string, string];
    if (await github.isTeamMember(org, slug, actor)) return true;
  }
  return false;
}

/**
 * The approvals are complete: each `/deploy` (or button) that waited for them goes on, decided
 * again as the one who asked (their permission read again, every gate asked again), under the
 * marker of the command that asked: a re-run creates nothing twice.
 */
async function resumeWaiting(
  github: GitHubGateway,
  facts: RepoFacts,
  config: ShiplineConfig,
  approval: Extract<Decision, { decision: "approve" }>,
  pullNumber: number | null,
  waiting: Waiting[],
  now: Date,
): Promise<{ done: Waiting[]; outcomes: string[]; created: CreatedDeployment | null }> {
  const result: { done: Waiting[]; outcomes: string[]; created: CreatedDeployment | null } = { done: [], outcomes: [], created: null };
  for (const w of waiting.filter((x) => x.environment.toLowerCase() === approval.stage.environment.toLowerCase() && x.sha === approval.sha)) {
    const source = sourceOf(w.source, pullNumber, w.sha);
    if (!source) continue;
    const who = await actorOf(github, w.actor);
    const command = { kind: "deploy" as const, environment: approval.stage.environment, dryRun: false };
    const subject = { sha: w.sha, pull: source.kind === "comment" ? facts.pull : null };
    const gateFacts = await deployFacts(github, command, config, facts, subject);
    const decision = decide({ ...gateFacts, command, config, facts, actor: who, subject, commandAt: null, now });
    const outcome = await act(github, decision, { actor: w.actor, facts, source, pullNumber, now, overrideFreeze: false });
    result.done.push(w);
    result.created ??= outcome.created;
    result.outcomes.push(outcome.created ? `Deployment ${outcome.created.id} of \`${shortSha(w.sha)}\` to ${escapeMarkdown(w.environment)} was created for ${escapeMarkdown(w.actor)}, who asked.` : `${escapeMarkdown(w.actor)}'s deploy to ${escapeMarkdown(w.environment)} did not go on (\`${outcome.decision.reasonCode}\`): ${escapeMarkdown(outcome.decision.message, 300)}`);
  }
  return result;
}

/** The command a waiting marker names, as `act` takes it. */
function sourceOf(marker: string, pullNumber: number | null, sha: string): CommandSource | null {
  const comment = /^comment:(\d+)$/.exec(marker);
  if (comment && pullNumber !== null) return { kind: "comment", text: "", commentId: Number(comment[1]), pullNumber, createdAt: "" };
  const button = /^check_run:(\d+):deploy:(\d+)$/.exec(marker);
  if (button) return { kind: "button", action: "deploy", stageIndex: Number(button[2]), checkRunId: Number(button[1]), sha, pullNumber };
  return null;
}

/**
 * What the gates of a deploy read beyond the one facts query: the subject's checks (in the
 * facts for a pull request's head and merge commit; read through the API for another commit,
 * as a button's), and whether the subject is older than what the environment runs (a compare,
 * asked only when it can be: the environment runs another commit of the same line).
 */
async function deployFacts(github: GitHubGateway, command: Command & { kind: "deploy" }, config: ShiplineConfig, facts: RepoFacts, subject: { sha: string; pull: RepoFacts["pull"] }): Promise<{ checks: CheckFact[]; outdated: { live: string; behind: number } | null; behind: number | null }> {
  const pull = facts.pull;
  let checks: CheckFact[];
  if (pull && subject.sha === pull.head) checks = pull.headChecks;
  else if (pull && subject.sha === pull.mergeCommit) checks = pull.mergeChecks;
  else {
    const [runs, statuses] = await Promise.all([github.checkRunsOn(subject.sha), github.commitStatuses(subject.sha)]);
    checks = checksToWaitFor(runs, statuses, -1);
  }
  const index = command.environment ? config.stages.findIndex((s) => s.environment === command.environment) : defaultStageIndex(command, config, facts, subject);
  const stage = config.stages[index];
  const live = stage ? currentDeployment(facts, stage.environment) : null;
  const openHead = subject.pull?.state === "open" && subject.sha === subject.pull.head;
  // An open pull request's head is older than what runs only if what runs came from that pull request.
  const sameLine = live && (!openHead || live.shipline?.pr === subject.pull?.number);
  const takenAway = live && live.sha !== subject.sha && sameLine ? await github.commitsTakenAway(subject.sha, live.sha) : 0;
  // Only where the stage asks for an up-to-date head: a compare of the default branch's tip with the head.
  const behind = openHead && stage?.require_up_to_date ? await github.commitsBehind(facts.defaultHead, subject.sha) : null;
  return { checks, outdated: takenAway > 0 ? { live: live!.sha, behind: takenAway } : null, behind };
}

interface CreatedDeployment {
  id: number;
  sha: string;
  environment: string;
  task: string;
}

/** The marker that makes a command's deployment findable again: a redelivered comment deploys nothing new. */
function sourceMarker(source: CommandSource): string {
  return source.kind === "comment" ? `comment:${source.commentId}` : `check_run:${source.checkRunId}:${source.action}:${source.stageIndex}`;
}

async function act(
  github: GitHubGateway,
  decision: Decision,
  ctx: { actor: string; facts: RepoFacts; source: CommandSource; pullNumber: number | null; now: Date; overrideFreeze: boolean },
): Promise<{ decision: Decision; created: CreatedDeployment | null }> {
  if (decision.decision === "lock") {
    const marker = sourceMarker(ctx.source);
    const held = ctx.facts.locks.get(decision.stage.environment);
    if (held?.kind === "held" && held.lock.source === marker) return { decision, created: null };
    const lock = { environment: decision.stage.environment, holder: ctx.actor, reason: decision.reason, since: ctx.now.toISOString(), source: marker };
    const sha = await github.createCommit(lockMessage(lock), EMPTY_TREE);
    try {
      await github.createRef(lockRef(lock.environment), sha);
    } catch (error) {
      if ((error as { status?: number }).status === 422) {
        return { decision: { decision: "refuse", reasonCode: "locked", message: `${lock.environment} was locked by someone else a moment ago.`, stage: decision.stage }, created: null };
      }
      throw error;
    }
    return { decision, created: null };
  }
  if (decision.decision === "unlock") {
    await github.deleteRef(lockRef(decision.stage.environment));
    return { decision, created: null };
  }
  if ((decision.decision !== "deploy" && decision.decision !== "rollback") || decision.reasonCode === "dry_run") return { decision, created: null };

  const marker = sourceMarker(ctx.source);
  const already = ctx.facts.deployments.find((d) => d.shipline?.source === marker);
  if (already) return { decision, created: { id: already.id, sha: already.sha, environment: already.environment, task: already.task } };

  const task = decision.decision === "rollback" ? "deploy:rollback" : "deploy";
  const replaces = decision.decision === "rollback" ? decision.replaces : null;
  const request = {
    ref: decision.sha,
    task,
    environment: decision.stage.environment,
    description: `Shipline: ${shortSha(decision.sha)} to ${decision.stage.environment} (${task === "deploy" ? "/deploy" : "/rollback"} by ${ctx.actor})`,
    production_environment: decision.stage.production,
    transient_environment: false,
    payload: {
      shipline: {
        trigger: ctx.source.kind === "comment" ? "command" : "button",
        actor: ctx.actor,
        pr: ctx.pullNumber,
        stage: decision.stageIndex,
        source: marker,
        ...(ctx.overrideFreeze ? { override_freeze: true } : {}),
        ...(replaces ? { replaces: replaces.sha, replaces_deployment: replaces.id } : {}),
      },
    },
  };
  const deployment = await github.createDeploymentOnce(request, marker);
  const created = { id: deployment.id, sha: deployment.sha, environment: decision.stage.environment, task };

  const refuseCreated = async (reasonCode: "sha_mismatch" | "ref_changed", message: string) => {
    // The deployment exists but must never run: say so on it, so no workflow picks it up.
    await github.createDeploymentStatus(deployment.id, { state: "error", description: `Shipline refused it: ${reasonCode}` });
    return { decision: { decision: "refuse" as const, reasonCode, message, stage: decision.stage }, created };
  };
  if (deployment.sha !== decision.sha) return refuseCreated("sha_mismatch", `GitHub returned deployment ${deployment.id} of ${shortSha(deployment.sha)}, not ${shortSha(decision.sha)}.`);
  // TOCTOU: the head must still be the SHA that was checked, now that the deployment names it.
  if (ctx.source.kind === "comment" && ctx.facts.pull?.state === "open" && decision.decision === "deploy") {
    const head = await github.pullHead(ctx.source.pullNumber);
    if (head !== decision.sha) return refuseCreated("ref_changed", `The pull request's head moved to ${shortSha(head)} while ${shortSha(decision.sha)} was being deployed; nothing will run. Comment again to deploy the new head.`);
  }
  return { decision, created };
}

/**
 * An explicit rollback target is allowed when it was deployed successfully before, or when
 * it is reachable from the default branch. Anything else (a fork's commit, a stray SHA) is refused.
 */
async function resolveTarget(github: GitHubGateway, facts: RepoFacts, target: RollbackTarget, environment: string | null): Promise<{ sha: string; deployment: DeploymentFact | null } | null> {
  const deployed = (environment ? deploymentsOf(facts, environment) : facts.deployments).filter((d) => d.everSucceeded);
  if (target.kind === "deployment") {
    const d = deployed.find((x) => x.id === target.id);
    return d ? { sha: d.sha, deployment: d } : null;
  }
  if (target.kind === "sha") {
    const d = deployed.find((x) => x.sha.startsWith(target.sha));
    if (d) return { sha: d.sha, deployment: d };
  }
  let sha: string;
  try {
    sha = await github.commitSha(target.kind === "sha" ? target.sha : target.tag);
  } catch (error) {
    if ((error as { status?: number }).status === 404 || (error as { status?: number }).status === 422) return null;
    throw error;
  }
  const d = deployed.find((x) => x.sha === sha);
  if (d) return { sha, deployment: d };
  return (await github.isAncestor(sha, facts.defaultHead)) ? { sha, deployment: null } : null;
}

/** Shipline's PR comment (edited in place) and a check run on the commit concerned. */
async function respond(
  github: GitHubGateway,
  source: CommandSource,
  facts: RepoFacts,
  sha: string,
  decision: Decision,
  extra: string,
  config: ShiplineConfig | null,
  actor: string,
  created: CreatedDeployment | null,
  now: Date,
  records?: CommentInput["records"],
): Promise<void> {
  const pullNumber = source.pullNumber;
  if (pullNumber !== null) {
    const body = config
      ? `${renderPullRequestComment({
          outcome: commandOutcome(decision, actor, created),
          previous: facts.pull?.shiplineCommentBody ?? null,
          created: created ? { ...created, creator: actor } : null,
          history: pullRequestHistory(facts, pullNumber),
          rolledBack: rolledBackKeys(facts),
          config,
          now: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
          source: sourceMarker(source),
          ...(records ? { records } : {}),
        })}${extra ? `\n\n${extra}` : ""}`
      : `<!-- shipline:pull-request -->\n### Shipline\n\n⛔ **Refused** (\`config_invalid\`) for ${escapeMarkdown(actor)}: ${escapeMarkdown(decision.message)}\n\n${extra}`;
    const existing = facts.pull?.shiplineCommentId ?? null;
    if (existing) await github.updateComment(existing, body);
    else await github.createComment(pullNumber, body);
  }
  const made = commandCheckRun(sha, decision, created, sourceMarker(source));
  // A deploy waiting for approvals offers the Approve button where the commit shows.
  const run = decision.decision === "hold" ? { ...made, actions: [approveButton(decision.stage, decision.stageIndex, sha, pullNumber)] } : made;
  if (source.kind === "button") await github.updateCheckRun(source.checkRunId, { output: run.output, ...(run.external_id ? { external_id: run.external_id } : {}) });
  else if (decision.decision !== "help") {
    // A re-run (the comment already answers this command) completes the check run it made, if it made one.
    const rerun = latestSourceOf(facts.pull?.shiplineCommentBody ?? null) === sourceMarker(source);
    const made = rerun ? (await github.listCheckRuns(sha, run.name)).find((r) => r.external_id === run.external_id) : undefined;
    if (made) {
      const { name: _name, head_sha: _sha, ...changes } = run;
      await github.updateCheckRun(made.id, changes);
    } else await github.createCheckRun(run);
  }
}

/** The source the comment's latest outcome answers (`<!-- shipline:latest <time> <source> -->`). */
function latestSourceOf(body: string | null): string | null {
  return (body && /^<!-- shipline:latest \S+ (\S+) -->$/m.exec(body)?.[1]) || null;
}

export { describeTarget };
