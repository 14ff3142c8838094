import semver from "semver";
import { pullRequestFromMessage } from "../pipeline/merge-target.js";
import type { GitHubGateway } from "../github/gateway.js";
import { shortSha } from "../render/markdown.js";
import { LOGIN, type NoteCommit } from "./notes.js";

const PAGE = 100;
/** Pages of history fetched in one GraphQL request (10 x 100 commits, with their pull requests). */
const PAGES_PER_REQUEST = 10;

export const RANGE_QUERY = /* GraphQL */ `
  query ShiplineReleaseRange($owner: String!, $repo: String!, $environment: String!, $head: GitObjectID!, $from: String!, $withFrom: Boolean!) {
    repository(owner: $owner, name: $repo) {
      head: object(oid: $head) { ... on Commit { oid committedDate } }
      from: object(expression: $from) @include(if: $withFrom) { ... on Commit { oid } }
      deployments(environments: [$environment], last: 100) {
        nodes { databaseId commitOid task statuses(first: 20) { nodes { state } } }
      }
      tags: refs(refPrefix: "refs/tags/", first: 100) {
        nodes { name target { oid ... on Tag { target { oid } } } }
      }
    }
  }
`;

const PAGE_FIELDS = /* GraphQL */ `
  pageInfo { hasNextPage endCursor }
  nodes {
    oid message committedDate
    author { name user { login } }
    associatedPullRequests(first: 3) {
      nodes { number title body mergedAt authorAssociation author { login } labels(first: 20) { nodes { name } } repository { nameWithOwner } }
    }
  }
`;

/**
 * Up to ten pages of a commit's history in one request. GitHub's history cursors are `<oid> <index>`
 * (base64): the cursor of page k is known in advance, so pages need not be fetched one by one.
 */
export function historyQuery(first: number, pages: number): string {
  const aliases = Array.from({ length: pages }, (_, i) => {
    const page = first + i;
    return page === 0 ? `p0: history(first: ${PAGE}) { ${PAGE_FIELDS} }` : `p${page}: history(first: ${PAGE}, after: $c${page}) { ${PAGE_FIELDS} }`;
  });
  const variables = Array.from({ length: pages }, (_, i) => first + i).filter((p) => p > 0).map((p) => `, $c${p}: String!`).join("");
  return `query ShiplineHistory($owner: String!, $repo: String!, $head: GitObjectID!${variables}) {
    repository(owner: $owner, name: $repo) { object(oid: $head) { ... on Commit { ${aliases.join("\n")} } } }
  }`;
}

export function historyCursor(head: string, page: number): string {
  return Buffer.from(`${head} ${page * PAGE - 1}`).toString("base64");
}

interface RangeAnswer {
  repository: {
    head: { oid?: string; committedDate?: string } | null;
    from?: { oid?: string } | null;
    deployments: { nodes: Array<{ databaseId: number | null; commitOid: string; task: string | null; statuses: { nodes: Array<{ state: string }> } | null }> };
    tags: { nodes: Array<{ name: string; target: { oid: string; target?: { oid: string } } | null }> };
  };
}

type HistoryPage = { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: HistoryNode[] };

interface HistoryNode {
  oid: string;
  message: string;
  committedDate: string;
  author: { name: string | null; user: { login: string } | null } | null;
  associatedPullRequests: {
    nodes: Array<{ number: number; title: string; body: string; mergedAt: string | null; authorAssociation: string; author: { login: string } | null; labels: { nodes: Array<{ name: string }> }; repository?: { nameWithOwner: string } | null }>;
  } | null;
}

export interface RangeRequest {
  environment: string;
  head: string;
  /** An explicit start (a tag, branch or SHA), instead of the last successful deployment. */
  from: string | null;
  /** The deployment these notes are for: not its own predecessor. */
  deploymentId: number | null;
  maxCommits: number;
}

export interface ReleaseRange {
  from: string | null;
  commits: NoteCommit[];
  /** Why the range starts there, in words, said in the notes. */
  note: string;
  /** The highest semver tag, the base of the next version. */
  previousTag: string | null;
  /** A semver tag already at the head: the version these notes were written for before. */
  headTag: string | null;
  /** Authors of the range's pull requests with no pull request merged before it. */
  newcomers: Set<string>;
  headDate: string;
}


interface TagRef {
  name: string;
  /** The tagged commit (through an annotated tag's object when there is one). */
  sha: string;
}

/** The highest tag that is a semver version (`v` prefix allowed, prereleases below their release). */
function highestSemverTag(tags: readonly TagRef[]): TagRef | null {
  const versions = tags.filter((t) => t.sha && semver.valid(t.name) !== null);
  return versions.sort((a, b) => semver.rcompare(a.name, b.name))[0] ?? null;
}

/**
 * What a deployment changed: from the SHA the environment ran before (its last successful
 * deployment), or an explicit `from`, or the latest release tag, to the deployed SHA. Requests:
 * one for the range, one for the first hundred commits, one per thousand after them, and one
 * for the newcomers.
 */
export async function releaseRange(github: GitHubGateway, request: RangeRequest): Promise<ReleaseRange> {
  const answer = await github.graphql<RangeAnswer>(RANGE_QUERY, { environment: request.environment, head: request.head, from: request.from ?? "", withFrom: request.from !== null });
  const repo = answer.repository;
  if (!repo.head?.oid) throw new Error(`The commit ${shortSha(request.head)} is not in the repository.`);
  // A semver tag already at the head is this release's own (an earlier run made it): the
  // previous version is the highest tag elsewhere, and re-runs keep the same version.
  const tags: TagRef[] = repo.tags.nodes.map((t) => ({ name: t.name, sha: t.target?.target?.oid ?? t.target?.oid ?? "" }));
  const own = highestSemverTag(tags.filter((t) => t.sha === request.head));
  const tag = highestSemverTag(tags.filter((t) => t.sha !== request.head));

  let base: { sha: string; says: string } | null = null;
  if (request.from !== null) {
    if (!repo.from?.oid) throw new Error(`\`from\`: \`${request.from}\` names no commit of the repository. Give a tag, a branch or a SHA.`);
    base = { sha: repo.from.oid, says: `From \`${shortSha(repo.from.oid)}\` (\`${request.from}\`).` };
  } else {
    const previous = repo.deployments.nodes
      .filter((d) => d.databaseId !== null && d.databaseId !== request.deploymentId && (request.deploymentId === null || d.databaseId < request.deploymentId) && d.commitOid !== request.head)
      .filter((d) => (d.statuses?.nodes ?? []).some((s) => s.state === "SUCCESS"))
      .sort((a, b) => b.databaseId! - a.databaseId!)[0];
    if (previous) base = { sha: previous.commitOid, says: `Since \`${shortSha(previous.commitOid)}\`, the last successful deployment of ${request.environment} (deployment ${previous.databaseId}${previous.task === "deploy:rollback" ? ", a rollback" : ""}).` };
    else if (tag) base = { sha: tag.sha, says: `No earlier successful deployment of ${request.environment}: since the latest release tag ${tag.name}.` };
  }

  // Walk the history from the head until the base is met, the history ends, or the limit.
  const walked: HistoryNode[] = [];
  const reached = (nodes: HistoryNode[]) => base !== null && nodes.some((n) => n.oid === base!.sha);
  // One commit past the limit: the range's start itself must be seen to know the range is whole.
  const wanted = request.maxCommits + 1;
  let page = 0;
  let exhausted = false;
  // GitHub's cursors are not documented: should it refuse the ones computed in advance,
  // the walk goes on page by page with the cursors it hands out (slower, still right).
  let batched = true;
  let cursor: string | null = null;
  while (!exhausted && walked.length < wanted && !reached(walked)) {
    // Most ranges end within the first hundred commits: one page first, then ten at a time.
    const pages = batched && page > 0 ? Math.min(PAGES_PER_REQUEST, Math.ceil((wanted - walked.length) / PAGE)) : 1;
    const variables: Record<string, unknown> = { head: request.head };
    for (let i = 0; i < pages; i++) if (page + i > 0) variables[`c${page + i}`] = batched ? historyCursor(request.head, page + i) : cursor;
    let data: { repository: { object: Record<string, HistoryPage | undefined> | null } };
    try {
      data = await github.graphql(historyQuery(page, pages), variables);
    } catch (error) {
      // Only a GraphQL refusal of a batch (its cursors) is worth another way; nothing was read.
      if (!batched || pages === 1 || !Array.isArray((error as { errors?: unknown }).errors)) throw error;
      batched = false;
      continue;
    }
    for (let i = 0; i < pages; i++) {
      const connection = data.repository.object?.[`p${page + i}`];
      walked.push(...(connection?.nodes ?? []));
      cursor = connection?.pageInfo.endCursor ?? cursor;
      if (!connection?.pageInfo.hasNextPage) {
        exhausted = true;
        break;
      }
      if (reached(connection.nodes)) break;
    }
    page += pages;
  }

  const cutAt = (sha: string | undefined) => (sha ? walked.findIndex((c) => c.oid === sha) : -1);
  let from: string | null = null;
  let note: string;
  let end = cutAt(base?.sha);
  if (base && end >= 0) {
    from = base.sha;
    note = base.says;
  } else {
    const limited = Math.min(walked.length, request.maxCommits);
    const tagIndex = base && tag && tag.sha !== base.sha ? cutAt(tag.sha) : -1;
    const whole = exhausted && walked.length <= request.maxCommits ? "the whole history" : `the history up to ${request.maxCommits.toLocaleString("en-US")} commits`;
    if (base) {
      note = `\`${shortSha(base.sha)}\` (where the range should start) is not in this commit's history (force-pushed away?): ${tagIndex >= 0 ? `since the latest release tag ${tag!.name} instead` : `${whole} instead`}.`;
      if (tagIndex >= 0) from = tag!.sha;
      end = tagIndex >= 0 ? tagIndex : limited;
    } else {
      note = `First deployment of ${request.environment}: ${whole}.`;
      end = limited;
    }
  }
  const ownName = `${github.repo.owner}/${github.repo.repo}`.toLowerCase();
  const inRange = walked.slice(0, end);
  // A commit is associated with pull requests of forks too: only this repository's count.
  const linked = (c: HistoryNode) => c.associatedPullRequests?.nodes.find((p) => p.mergedAt !== null && p.repository?.nameWithOwner.toLowerCase() === ownName) ?? null;
  // GitHub links a merge commit to its pull request a little after the merge: until then, the
  // number GitHub wrote in the merge or squash message is read, all such pull requests at once.
  const unlinked = [...new Set(inRange.filter((c) => !linked(c)).map((c) => pullRequestFromMessage(c.message)).filter((n): n is number => n !== null))].slice(0, 100);
  const byNumber = unlinked.length ? await pullsByNumber(github, unlinked) : new Map<number, PullNode>();
  const commits = inRange.map((c) => {
    const number = pullRequestFromMessage(c.message);
    const pull = linked(c) ?? (number !== null ? (byNumber.get(number) ?? null) : null);
    return {
      sha: c.oid,
      message: c.message,
      author: c.author?.user?.login ?? c.author?.name ?? null,
      pull: pull ? { number: pull.number, title: pull.title, body: pull.body ?? "", labels: pull.labels.nodes.map((l) => l.name), author: pull.author?.login ?? null, authorAssociation: pull.authorAssociation } : null,
    };
  });
  const since = from ? walked.find((c) => c.oid === from)?.committedDate ?? null : null;
  const newcomers = await newcomersOf(github, commits, since);
  return { from, commits, note, previousTag: tag?.name ?? null, headTag: own?.name ?? null, headDate: repo.head.committedDate ?? new Date().toISOString(), newcomers };
}

type PullNode = NonNullable<HistoryNode["associatedPullRequests"]>["nodes"][number];

/** The query of `pullsByNumber`: one `p<number>` alias a pull request. */
export function unlinkedPullsQuery(numbers: readonly number[]): string {
  const fields = "number title body mergedAt authorAssociation author { login } labels(first: 20) { nodes { name } } repository { nameWithOwner }";
  return `query ShiplineUnlinkedPulls($owner: String!, $repo: String!) { repository(owner: $owner, name: $repo) { ${numbers.map((n) => `p${n}: pullRequest(number: ${n}) { ${fields} }`).join(" ")} } }`;
}

/** Merged pull requests of this repository by number, in one request (`p<number>` aliases). */
async function pullsByNumber(github: GitHubGateway, numbers: readonly number[]): Promise<Map<number, PullNode>> {
  const query = unlinkedPullsQuery(numbers);
  let data: { repository: Record<string, PullNode | null> };
  try {
    data = await github.graphql(query, {});
  } catch (error) {
    // A number in a message that names an issue, or nothing: GitHub errs on that field alone.
    const partial = (error as { data?: typeof data }).data;
    if (!partial?.repository) throw error;
    data = partial;
  }
  return new Map(numbers.flatMap((n) => {
    const pull = data.repository[`p${n}`];
    return pull && pull.mergedAt !== null ? [[n, pull] as const] : [];
  }));
}

/**
 * Who contributes for the first time: authors with no pull request merged before the range
 * starts, found with one search per author, all in one request (GitHub's authorAssociation
 * turns CONTRIBUTOR once the pull request is merged, so it cannot tell afterwards).
 */
async function newcomersOf(github: GitHubGateway, commits: NoteCommit[], since: string | null): Promise<Set<string>> {
  const authors = [...new Set(commits.map((c) => c.pull?.author).filter((a): a is string => Boolean(a && LOGIN.test(a))))].slice(0, 100);
  // The whole history: everyone in it made their first contribution in it.
  if (since === null || authors.length === 0) return new Set(since === null ? authors : []);
  const repo = `${github.repo.owner}/${github.repo.repo}`;
  const variables: Record<string, unknown> = {};
  authors.forEach((login, i) => (variables[`q${i}`] = `repo:${repo} is:pr is:merged author:${login} merged:<=${since}`));
  const data = await github.graphql<Record<string, { issueCount: number }>>(newcomersQuery(authors.length), variables);
  return new Set(authors.filter((_, i) => data[`a${i}`]?.issueCount === 0));
}

/** One search an author (`$q0`, `$q1`...), answered as `a0`, `a1`... in one request. */
export function newcomersQuery(authors: number): string {
  const indexes = Array.from({ length: authors }, (_, i) => i);
  return `query ShiplineNewcomers(${indexes.map((i) => `$q${i}: String!`).join(", ")}) { ${indexes.map((i) => `a${i}: search(query: $q${i}, type: ISSUE, first: 1) { issueCount }`).join(" ")} }`;
}
