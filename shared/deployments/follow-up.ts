import { stageIndexOf, type ShiplineConfig } from "../config/schema.js";
import type { RepoFacts } from "../github/facts.js";
import type { GitHubGateway } from "../github/gateway.js";
import { currentDeployment, deploymentsOf, pullRequestHistory, rolledBackKeys } from "../pipeline/history.js";
import type { GateResult, HeldPromotion } from "../gates/gates.js";
import { stageGates } from "../gates/preflight.js";
import { afterStatus, type AfterStatus } from "../pipeline/lifecycle.js";
import { escapeMarkdown, shortSha } from "../render/markdown.js";
import { fitReleaseBody } from "../release-notes/notes.js";
import { writeReleaseNotes, type WrittenNotes } from "../release-notes/publish.js";
import { renderPullRequestComment } from "../render/comment.js";
import { CHECK_RUN_NAME } from "../render/check-runs.js";
import { statusCheckRun, statusOutcome, type FinalStatus } from "../render/status.js";

export interface FollowInput {
  github: GitHubGateway;
  status: FinalStatus;
  config: ShiplineConfig;
  facts: RepoFacts;
  /** The repository's web address (`https://github.com/acme/shop`): the notes link their range. */
  repositoryUrl: string;
  /** The gates' clock. */
  now?: Date;
}

export interface FollowResult {
  next: AfterStatus | HeldPromotion;
  followUp: { id: number } | null;
  notes: WrittenNotes | { error: string } | null;
}

/**
 * After a final status of one of Shipline's deployments: promote or roll back (once, see
 * `afterStatus`), then say what happened on the commit's check run and the PR's comment.
 */
export async function followDeployment({ github, status, config, facts, repositoryUrl, now }: FollowInput): Promise<FollowResult> {
  const decided = afterStatus(status, config, facts);
  const next = decided.kind === "promote" ? await gatePromotion(github, status, config, facts, decided, now ?? new Date()) : decided;
  const followUp = next.kind === "none" || next.kind === "hold" ? null : await createFollowUp(github, status, next);
  const report = { status, config, facts, next, followUp };
  const notes = await notesFor(github, status, config, repositoryUrl);

  // The check run GitHub shows for the commit is the latest "Shipline" run: edit it in place.
  const run = statusCheckRun(report);
  const existing = (await github.listCheckRuns(status.deployment.sha, CHECK_RUN_NAME)).reduce<number | null>((max, r) => (max === null || r.id > max ? r.id : max), null);
  const { name: _name, head_sha: _sha, ...changes } = run;
  if (existing !== null) await github.updateCheckRun(existing, changes);
  else await github.createCheckRun(run);

  const pr = status.deployment.shipline?.pr;
  if (typeof pr === "number" && facts.pull?.number === pr) {
    const body = renderPullRequestComment({
      outcome: `${statusOutcome(report)}${notes ? ` ${notesOutcome(notes)}` : ""}`,
      sections: notes && "markdown" in notes ? [notesSection(notes)] : [],
      previous: facts.pull.shiplineCommentBody,
      created: null,
      history: pullRequestHistory(facts, pr).map((d) => (d.id === status.deployment.id ? { ...d, state: status.state, logUrl: status.logUrl, environmentUrl: status.environmentUrl } : d)),
      rolledBack: rolledBackKeys(facts),
      config,
      now: status.at,
      source: `status:${status.deployment.id}:${status.state}`,
    });
    if (facts.pull.shiplineCommentId !== null) await github.updateComment(facts.pull.shiplineCommentId, body);
    else await github.createComment(pr, body);
  }
  return { next, followUp, notes };
}

/**
 * An automatic promotion passes the next stage's gates, on every plan: checks on the SHA (the
 * facts' commit rollup), freeze, soak, approvals, and never older than what the stage runs.
 * The age is read through the API only when it can be so: the stage runs a commit that came to
 * this stage after this one, or never came through it.
 */
export async function gatePromotion(github: GitHubGateway, status: FinalStatus, config: ShiplineConfig, facts: RepoFacts, promote: Extract<AfterStatus, { kind: "promote" }>, now: Date): Promise<AfterStatus | HeldPromotion> {
  const { deployment } = status;
  const live = currentDeployment(facts, promote.stage.environment);
  const cameBefore = live && deploymentsOf(facts, deployment.environment).some((d) => d.sha === live.sha && d.task === "deploy" && d.id < deployment.id);
  const behind = live && live.sha !== deployment.sha && !cameBefore ? await github.commitsTakenAway(deployment.sha, live.sha) : 0;
  const gates: GateResult[] = [
    ...stageGates(config, promote.stageIndex, deployment.sha, facts, facts.commitChecks ?? [], false, now),
    behind > 0
      ? { gate: "outdated", state: "rejected", message: `${shortSha(deployment.sha)} is older than what ${promote.stage.environment} runs (${shortSha(live!.sha)}): promoting it would take away ${behind} commit${behind === 1 ? "" : "s"}.` }
      : { gate: "outdated", state: "approved", message: `Not older than what ${promote.stage.environment} runs.` },
  ];
  const closed = gates.find((g) => g.state === "rejected" && g.gate === "outdated") ?? gates.find((g) => g.state !== "approved");
  if (!closed) return promote;
  return { kind: "hold", stage: promote.stage, stageIndex: promote.stageIndex, sha: promote.sha, marker: promote.marker, gate: closed, gates };
}

/** Release notes when a production stage succeeds and the config asks for them; a failure to write them is said, not thrown. */
async function notesFor(github: GitHubGateway, status: FinalStatus, config: ShiplineConfig, repositoryUrl: string): Promise<WrittenNotes | { error: string } | null> {
  const stage = config.stages[stageIndexOf(config, status.deployment.environment)];
  const settings = config.release_notes;
  if (status.state !== "success" || status.deployment.task !== "deploy" || !stage?.production || !settings.enabled) return null;
  try {
    return await writeReleaseNotes({
      github,
      repository: `${github.repo.owner}/${github.repo.repo}`,
      serverUrl: repositoryUrl.replace(/\/[^/]+\/[^/]+\/?$/, ""),
      environment: stage.environment,
      sha: status.deployment.sha,
      from: null,
      deploymentId: status.deployment.id,
      maxCommits: settings.max_commits,
      settings: { categories: settings.categories, excludeLabels: settings.exclude_labels, versionLabels: settings.version_labels },
      publish: settings.publish,
      dryRun: false,
      today: status.at.slice(0, 10),
    });
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

function notesOutcome(notes: WrittenNotes | { error: string }): string {
  if ("error" in notes) return `Release notes could not be written: ${escapeMarkdown(notes.error, 300)}`;
  const name = `\`${escapeMarkdown(notes.version, 80)}\``;
  return notes.release.url ? `Release notes: [${name}](${notes.release.url}) (${notes.release.action}).` : `Release notes: ${name} (below).`;
}

/** The notes in the comment, folded; cut to stay well inside a comment's 65,536 characters. */
function notesSection(notes: WrittenNotes): string {
  return [`<details><summary>📝 Release notes ${escapeMarkdown(notes.version, 80)}</summary>`, "", fitReleaseBody(notes.markdown, 40_000), "", "</details>"].join("\n");
}

async function createFollowUp(github: GitHubGateway, status: FinalStatus, next: Exclude<AfterStatus, { kind: "none" }>): Promise<{ id: number }> {
  const { deployment } = status;
  const shipline = deployment.shipline ?? {};
  const rollback = next.kind === "rollback";
  const sha = rollback ? next.to.sha : next.sha;
  const created = await github.createDeploymentOnce(
    {
      ref: sha,
      task: rollback ? "deploy:rollback" : "deploy",
      environment: next.stage.environment,
      description: rollback
        ? `Shipline: automatic rollback of ${next.stage.environment} to ${shortSha(sha)} (deployment ${deployment.id} ${status.state})`
        : `Shipline: ${shortSha(sha)} promoted to ${next.stage.environment} after ${deployment.environment}`,
      production_environment: next.stage.production,
      transient_environment: false,
      payload: {
        shipline: {
          trigger: rollback ? "auto_rollback" : "promotion",
          actor: typeof shipline.actor === "string" ? shipline.actor : "shipline",
          pr: typeof shipline.pr === "number" ? shipline.pr : null,
          stage: next.stageIndex,
          source: next.marker,
          ...(rollback ? { replaces: next.replaces.sha, replaces_deployment: next.replaces.id } : {}),
        },
      },
    },
    next.marker,
  );
  return { id: created.id };
}
