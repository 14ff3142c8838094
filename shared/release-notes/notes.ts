import semver from "semver";
import { escapeMarkdown, shortSha } from "../render/markdown.js";
import { DEFAULT_VERSION_LABELS, type NoteCategory, type VersionLabels } from "../config/release-notes-defaults.js";

/** A pull request as the notes need it. */
export interface NotePull {
  number: number;
  title: string;
  body: string;
  labels: string[];
  author: string | null;
  /** GitHub's `authorAssociation`: FIRST_TIME_CONTRIBUTOR and FIRST_TIMER mark a first contribution. */
  authorAssociation: string;
}

/** A commit of the range, with the pull request it came from, if any. */
export interface NoteCommit {
  sha: string;
  message: string;
  author: string | null;
  pull: NotePull | null;
}

export interface NotesSettings {
  categories: NoteCategory[];
  excludeLabels: string[];
  /** Labels that choose the bump; release-drafter's `major`/`minor`/`patch` when not given. */
  versionLabels?: VersionLabels;
}

const OTHER = "Other changes";
const BREAKING = "⚠️ Breaking changes";

/** One line of the notes: a pull request, or a commit pushed without one. */
export interface Change {
  kind: "pull" | "commit";
  number: number | null;
  sha: string;
  shas: Set<string>;
  /** The title as written (what a revert's `Revert "..."` quotes). */
  written: string;
  title: string;
  type: string | null;
  scope: string | null;
  breaking: boolean;
  labels: string[];
  authors: string[];
  firstTime: boolean;
  category: string;
}

const CONVENTIONAL = /^(\w+)(?:\(([^)]*)\))?(!)?:\s*(.+)$/;
/** The Conventional Commits types (and Angular's): only these, and the types a category names, are stripped from titles. */
const CONVENTIONAL_TYPES = ["feat", "fix", "docs", "style", "refactor", "perf", "test", "build", "ci", "chore", "revert"];
const REVERT_TITLE = /^Revert "(.+)"$/;
const REVERTS_SHA = /This reverts commit ([0-9a-f]{7,40})/;
const BREAKING_NOTE = /^BREAKING[ -]CHANGE:/m;
/** A GitHub login (bots' `[bot]` suffix excluded): the only names that may be @-mentioned or searched. */
export const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

const isBot = (login: string) => login.endsWith("[bot]");

function headline(message: string): string {
  return message.split("\n", 1)[0]!.trim();
}

/** Groups the range's commits into changes: one per pull request, one per commit pushed without one. */
export function changesOf(commits: readonly NoteCommit[], settings: NotesSettings): { changes: Change[]; reverted: number; excluded: number; excludedChanges: Change[] } {
  const byPull = new Map<number, Change>();
  const changes: Change[] = [];
  const types = new Set([...CONVENTIONAL_TYPES, ...settings.categories.flatMap((c) => c.types.map((t) => t.toLowerCase()))]);
  for (const c of commits) {
    if (c.pull) {
      const existing = byPull.get(c.pull.number);
      if (existing) {
        existing.shas.add(c.sha);
        if (BREAKING_NOTE.test(c.message)) existing.breaking = true;
        continue;
      }
      const change = describe(types, "pull", c.pull.title, c.sha, c.pull.number, c.pull.labels, c.pull.author ? [c.pull.author] : [], c.pull.body, c.message);
      // Before the merge GitHub says so itself; after it, the range's search does (see releaseRange).
      change.firstTime = c.pull.authorAssociation === "FIRST_TIME_CONTRIBUTOR" || c.pull.authorAssociation === "FIRST_TIMER";
      byPull.set(c.pull.number, change);
      changes.push(change);
    } else changes.push(describe(types, "commit", headline(c.message), c.sha, null, [], c.author ? [c.author] : [], "", c.message));
  }

  // A change and its revert, both in the range, cancel out: neither shipped.
  const reverts = new Map<Change, Change>();
  for (const change of changes) {
    const message = commits.find((c) => c.sha === change.sha)?.message ?? "";
    const bySha = REVERTS_SHA.exec(message)?.[1];
    const byTitle = REVERT_TITLE.exec(change.written)?.[1];
    const target = changes.find((o) => o !== change && ((bySha && [...o.shas].some((s) => s.startsWith(bySha))) || (byTitle !== undefined && o.written === byTitle)));
    if (target) reverts.set(change, target);
  }
  const dropped = new Set<Change>();
  for (const [revert, target] of reverts) {
    if (dropped.has(revert) || dropped.has(target)) continue;
    dropped.add(revert);
    dropped.add(target);
  }
  // Labels match whatever their case, on either side (GitHub's label names are case-insensitive).
  const excludedLabels = new Set(settings.excludeLabels.map((l) => l.toLowerCase()));
  const excluded = changes.filter((c) => !dropped.has(c) && c.labels.some((l) => excludedLabels.has(l.toLowerCase())));
  const kept = changes.filter((c) => !dropped.has(c) && !excluded.includes(c));
  for (const change of kept) change.category = change.breaking ? BREAKING : categoryOf(change, settings.categories);
  return { changes: kept, reverted: dropped.size, excluded: excluded.length, excludedChanges: excluded };
}

function describe(types: ReadonlySet<string>, kind: Change["kind"], title: string, sha: string, number: number | null, labels: string[], authors: string[], body: string, message: string): Change {
  // "Android: fix crash" names a platform, not a type: only known types are read as one.
  const parsed = CONVENTIONAL.exec(title);
  const m = parsed && types.has(parsed[1]!.toLowerCase()) ? parsed : null;
  return {
    kind,
    number,
    sha,
    shas: new Set([sha]),
    written: title,
    title: m ? m[4]! : title,
    type: m ? m[1]!.toLowerCase() : null,
    scope: m?.[2] || null,
    breaking: Boolean(m?.[3]) || BREAKING_NOTE.test(body) || BREAKING_NOTE.test(message) || labels.some((l) => l.toLowerCase() === "breaking"),
    labels,
    authors,
    firstTime: false,
    category: OTHER,
  };
}

function categoryOf(change: Change, categories: readonly NoteCategory[]): string {
  const labels = change.labels.map((l) => l.toLowerCase());
  return (
    categories.find((c) => c.labels.some((l) => labels.includes(l.toLowerCase())))?.title ??
    (change.type ? categories.find((c) => c.types.includes(change.type!))?.title : undefined) ??
    OTHER
  );
}

/**
 * The next version: semver from the change types when the previous version is a semver tag
 * (major on a breaking change, minor on a feature, patch otherwise); else the date and SHA.
 */
export function nextVersion(previousTag: string | null, changes: readonly Change[], date: string, sha: string, versionLabels: VersionLabels = DEFAULT_VERSION_LABELS): string {
  const previous = previousTag === null ? null : semver.parse(previousTag);
  if (!previous) return `${date}-${shortSha(sha)}`;
  const labelled = (level: keyof VersionLabels) => {
    const wanted = new Set(versionLabels[level].map((l) => l.toLowerCase()));
    return changes.some((c) => c.labels.some((l) => wanted.has(l.toLowerCase())));
  };
  // The highest of what the types say and what the labels say.
  const bump =
    changes.some((c) => c.breaking) || labelled("major") ? "major" : changes.some((c) => c.type === "feat" || c.category === "🚀 Features") || labelled("minor") ? "minor" : "patch";
  // semver's own rules: from a prerelease, the bump that reaches its release gives the release
  // (`1.2.0-rc.1` + minor = `1.2.0`); the tag's `v` prefix is kept.
  return `${previousTag!.startsWith("v") ? "v" : ""}${semver.inc(previous, bump)!}`;
}

/** A deliberate credit: `@login` for a real login (it should notify), plain text for a bot. */
function credit(login: string): string {
  if (isBot(login)) return escapeMarkdown(login.replace(/\[bot\]$/, ""), 60);
  return LOGIN.test(login) ? `@${login}` : escapeMarkdown(login, 60);
}

export interface NotesInput {
  version: string;
  repository: string;
  environment: string;
  from: string | null;
  to: string;
  /** Why the range starts where it does, in words ("the last successful deployment of production"). */
  rangeNote: string;
  commits: number;
  changes: Change[];
  reverted: number;
  excluded: number;
  settings: NotesSettings;
  serverUrl: string;
  /** First contributions whose pull request is left out of the list (excluded by label): still theirs to name. */
  firstContributions?: Array<{ login: string; number: number }>;
}

/** The notes as Markdown: breaking changes first, then each category, new contributors, the full range. */
export function renderReleaseNotes(input: NotesInput): string {
  const pulls = input.changes.filter((c) => c.kind === "pull").length;
  const line = (c: Change) => {
    const scope = c.scope ? `**${escapeMarkdown(c.scope, 40)}:** ` : "";
    const ref = c.number !== null ? `#${c.number}` : `\`${shortSha(c.sha)}\``;
    const by = c.authors.length ? ` by ${c.authors.map(credit).join(", ")}` : "";
    return `- ${scope}${escapeMarkdown(c.title, 200)} (${ref})${by}`;
  };
  const order = [BREAKING, ...input.settings.categories.map((c) => c.title), OTHER];
  const sections = order
    .map((title) => ({ title, items: input.changes.filter((c) => c.category === title) }))
    .filter((s) => s.items.length > 0)
    .flatMap((s) => [`### ${s.title}`, "", ...s.items.map(line), ""]);
  const newcomers = [
    ...new Map([
      ...(input.firstContributions ?? []).map(({ login, number }) => [login, { login, number }] as const),
      ...input.changes.filter((c) => c.firstTime && c.authors[0] && !isBot(c.authors[0])).map((c) => [c.authors[0]!, { login: c.authors[0]!, number: c.number }] as const),
    ]).values(),
  ].sort((a, b) => (a.number ?? 0) - (b.number ?? 0));
  const dropped = [input.reverted ? `${input.reverted} reverted within the range` : "", input.excluded ? `${input.excluded} excluded by label` : ""].filter(Boolean).join(", ");
  const compare = input.from ? `${input.serverUrl}/${input.repository}/compare/${input.from}...${input.to}` : `${input.serverUrl}/${input.repository}/commits/${input.to}`;
  return [
    `## ${escapeMarkdown(input.version, 80)}`,
    "",
    `Deployed to **${escapeMarkdown(input.environment, 100)}**: ${input.from ? `\`${shortSha(input.from)}\`…` : ""}\`${shortSha(input.to)}\`, ${input.commits} commit${input.commits === 1 ? "" : "s"}, ${pulls} pull request${pulls === 1 ? "" : "s"}${dropped ? ` (${dropped} left out)` : ""}. ${input.rangeNote}`,
    "",
    ...(sections.length ? sections : ["_No change to list._", ""]),
    ...(newcomers.length ? ["### New contributors", "", ...newcomers.map((c) => `- ${credit(c.login)} made their first contribution in #${c.number}`), ""] : []),
    `**Full changelog**: ${compare}`,
  ].join("\n");
}

/** GitHub refuses a release body longer than this. */
export const RELEASE_BODY_LIMIT = 125_000;

/**
 * The notes cut to what a release body holds, at a line, saying how much was left out and
 * where the rest is (the full changelog link stays last).
 */
export function fitReleaseBody(markdown: string, limit = RELEASE_BODY_LIMIT): string {
  if (markdown.length <= limit) return markdown;
  const lines = markdown.split("\n");
  const last = lines.pop()!;
  const kept: string[] = [];
  let size = last.length + 200;
  for (const line of lines) {
    if (size + line.length + 1 > limit) break;
    kept.push(line);
    size += line.length + 1;
  }
  const left = lines.length - kept.length;
  return [...kept, "", `_…and ${left} more lines: GitHub holds ${limit.toLocaleString("en-US")} characters in a release; the job summary and the \`notes\` output have them all._`, "", last].join("\n");
}
