import { mayHaveSucceeded } from "../github/create-once.js";
import type { GitHubGateway, Release } from "../github/gateway.js";
import { changesOf, fitReleaseBody, nextVersion, RELEASE_BODY_LIMIT, renderReleaseNotes, type NotesSettings } from "./notes.js";
import { releaseRange, type ReleaseRange } from "./range.js";

export type Publish = "none" | "draft" | "release";

export interface WriteNotesInput {
  github: GitHubGateway;
  /** `owner/repo` and the web address, for the compare link. */
  repository: string;
  serverUrl: string;
  environment: string;
  sha: string;
  from: string | null;
  deploymentId: number | null;
  maxCommits: number;
  settings: NotesSettings;
  publish: Publish;
  dryRun: boolean;
  /** `YYYY-MM-DD`, for versions of repositories without semver tags. */
  today: string;
}

export interface WrittenNotes {
  version: string;
  markdown: string;
  range: ReleaseRange;
  release: { action: "created" | "updated" | "would create or update" | "not published"; url: string | null };
}

/**
 * The notes of one deployment: its range, its changes, its version, its words; then, unless
 * dry-run, the GitHub Release of that version (tag at the deployed SHA), written once.
 */
export async function writeReleaseNotes(input: WriteNotesInput): Promise<WrittenNotes> {
  const range = await releaseRange(input.github, { environment: input.environment, head: input.sha, from: input.from, deploymentId: input.deploymentId, maxCommits: input.maxCommits });
  const { changes, reverted, excluded, excludedChanges } = changesOf(range.commits, input.settings);
  // A newcomer's first contribution is their earliest pull request in the range, listed or not
  // (a first pull request excluded by label is still the first: the next one is not).
  const firstContributions: Array<{ login: string; number: number }> = [];
  for (const login of range.newcomers) {
    const first = [...changes, ...excludedChanges].filter((c) => c.kind === "pull" && c.authors[0] === login).sort((a, b) => a.number! - b.number!)[0];
    if (first && changes.includes(first)) first.firstTime = true;
    else if (first) firstContributions.push({ login, number: first.number! });
  }
  // Stable across re-runs: the head's own tag if it has one, and the commit's date, not today's.
  const version = range.headTag ?? nextVersion(range.previousTag, changes, range.headDate.slice(0, 10) || input.today, input.sha, input.settings.versionLabels);
  const markdown = renderReleaseNotes({
    version,
    repository: input.repository,
    environment: input.environment,
    from: range.from,
    to: input.sha,
    rangeNote: range.note,
    commits: range.commits.length,
    changes,
    reverted,
    excluded,
    settings: input.settings,
    serverUrl: input.serverUrl,
    firstContributions,
  });
  if (input.publish === "none") return { version, markdown, range, release: { action: "not published", url: null } };
  if (input.dryRun) return { version, markdown, range, release: { action: "would create or update", url: null } };
  const { release, action } = await upsertRelease(input.github, { tag_name: version, target_commitish: input.sha, name: version, body: fitReleaseBody(markdown, RELEASE_BODY_LIMIT - MARKER_ROOM), draft: input.publish === "draft" });
  return { version, markdown, range, release: { action, url: release.html_url } };
}

/** Room kept in a release body for Shipline's marker (`releaseMarker`). */
const MARKER_ROOM = 200;

/** Marks the releases Shipline writes, so that a draft (which holds no tag) can be told apart from someone else's. */
export function releaseMarker(tag: string): string {
  return `<!-- shipline:release ${tag} -->`;
}

/**
 * One release per tag, however many runs write it: an existing one (drafts included) is
 * updated; a create that loses a race (422, the tag has a published release now) or fails in
 * a way that may hide a success (5xx) looks again and updates what is there. Drafts hold no
 * tag, so GitHub lets two runs each create one: after creating a draft, the run looks again
 * and keeps the oldest of Shipline's drafts for that tag, deleting the others.
 */
export async function upsertRelease(github: GitHubGateway, release: { tag_name: string; target_commitish: string; name: string; body: string; draft: boolean }): Promise<{ release: Release; action: "created" | "updated" }> {
  const marker = releaseMarker(release.tag_name);
  const marked = { ...release, body: `${release.body}\n\n${marker}` };
  const ours = (r: Release) => r.tag_name === release.tag_name && (!r.draft || (r.body ?? "").includes(marker));
  const find = async () => (await github.listReleases()).filter(ours).sort((a, b) => Number(a.draft) - Number(b.draft) || a.id - b.id);
  const update = async (existing: Release) => ({ release: await github.updateRelease(existing.id, { name: marked.name, body: marked.body }), action: "updated" as const });
  const [existing] = await find();
  if (existing) return update(existing);
  let created: Release;
  try {
    created = await github.createRelease(marked);
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status !== 422 && !mayHaveSucceeded(error)) throw error;
    const [now] = await find();
    if (!now) throw error;
    return update(now);
  }
  if (!created.draft) return { release: created, action: "created" };
  const [kept, ...duplicates] = await find();
  for (const duplicate of duplicates.filter((r) => r.draft)) {
    // Another run may delete the same duplicate first: gone is gone.
    await github.deleteRelease(duplicate.id).catch((error: { status?: number }) => {
      if (error.status !== 404) throw error;
    });
  }
  return kept && kept.id !== created.id ? update(kept) : { release: created, action: "created" };
}
