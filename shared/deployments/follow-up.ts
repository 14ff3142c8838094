import { stageIndexOf, type ShiplineConfig } from "../config/schema.js";
import type { RepoFacts } from "../github/facts.js";
import type { GitHubGateway } from "../github/gateway.js";
import { pullRequestHistory, rolledBackKeys } from "../pipeline/history.js";
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
}

export interface FollowResult {
  next: AfterStatus;
  followUp: { id: number } | null;
  notes: WrittenNotes | { error: string } | null;
}

/**
 * After a final status of one of Shipline's deployments: promote or roll back (once, see
 * `afterStatus`), then say what happened on the commit's check run and the PR's comment.
 */
export async function followDeployment({ github, status, config, facts, repositoryUrl }: FollowInput): Promise<FollowResult> {
  const next = afterStatus(status, config, facts);
  const followUp = next.kind === "none" ? null : await createFollowUp(github, status, next);
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
