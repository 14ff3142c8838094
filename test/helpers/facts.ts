import { COMMENT_MARKER } from "../../shared/github/facts.js";

/** A deployment node as GitHub's GraphQL API returns it in the facts query. */
export function deploymentNode(d: { id: number; sha: string; environment: string; task?: string; shipline?: Record<string, unknown> | null; state?: string | null; createdAt?: string; statuses?: string[]; logUrl?: string }) {
  const state = d.state === undefined ? "SUCCESS" : d.state;
  return {
    databaseId: d.id,
    commitOid: d.sha,
    environment: d.environment,
    task: d.task ?? "deploy",
    payload: JSON.stringify(d.shipline === undefined ? { shipline: { trigger: "push" } } : d.shipline === null ? {} : { shipline: d.shipline }),
    createdAt: d.createdAt ?? "2026-11-23T08:00:00Z",
    creator: { login: "shipline[bot]" },
    latestStatus: state ? { state, environmentUrl: null, logUrl: d.logUrl ?? null, createdAt: d.createdAt ?? "2026-11-23T08:00:00Z" } : null,
    statuses: { nodes: (d.statuses ?? (state ? [state] : [])).map((s) => ({ state: s, createdAt: d.createdAt ?? "2026-11-23T08:00:00Z" })) },
  };
}

/** A rollup as GitHub's GraphQL answers it: its state and each check run (ids in order). */
function rollupOf(runs: Array<[string, string, string | null]> | undefined, state: string) {
  return {
    state,
    contexts: { nodes: (runs ?? []).map(([name, status, conclusion], i) => ({ __typename: "CheckRun", databaseId: 9000 + i, name, status: status.toUpperCase(), conclusion: conclusion?.toUpperCase() ?? null })) },
  };
}

export interface FactsOptions {
  defaultHead?: string;
  /** The checks on the commit the facts were asked for (a merge's SHA). */
  commitChecks?: Array<[name: string, status: string, conclusion: string | null]>;
  config?: string | null;
  locks?: Array<{ environment: string; holder?: string; reason?: string; since?: string; message?: string }>;
  deployments?: ReturnType<typeof deploymentNode>[];
  pull?: Partial<{
    number: number;
    state: "OPEN" | "CLOSED" | "MERGED";
    merged: boolean;
    isCrossRepository: boolean;
    headRefOid: string;
    mergeCommit: string | null;
    author: string;
    reviewDecision: string | null;
    approvals: number;
    headCommittedAt: string;
    checks: string | null;
    commentId: number | null;
    commentBody: string;
    /** When the pull request's first commit was made (lead time). */
    firstCommittedAt: string;
    /** Whether the app wrote that comment (false: someone else did, markers or not). */
    commentByViewer: boolean;
    /** The branch it merges into (the default branch, `master`, unless said). */
    baseRef: string;
    /** Check runs on the head (or on the merge commit): name, status, conclusion. */
    headChecks: Array<[name: string, status: string, conclusion: string | null]>;
    mergeChecks: Array<[name: string, status: string, conclusion: string | null]>;
  }> | null;
}

/** The `data` of the facts query; deployments in GitHub's order for `last: 100` (oldest first). */
export function factsData(o: FactsOptions = {}) {
  const p = o.pull === undefined ? null : o.pull;
  const head = p?.headRefOid ?? "e".repeat(40);
  return {
    repository: {
      ...(o.commitChecks ? { commit: { oid: "c".repeat(40), statusCheckRollup: rollupOf(o.commitChecks, "PENDING") } } : {}),
      defaultBranchRef: { name: "master", target: { oid: o.defaultHead ?? "d".repeat(40) } },
      config: o.config === undefined || o.config === null ? null : { text: o.config },
      locks: {
        nodes: (o.locks ?? []).map((l) => ({
          name: l.environment,
          target: {
            oid: "f".repeat(40),
            committedDate: l.since ?? "2026-11-23T07:00:00Z",
            message: l.message ?? `Shipline lock: ${l.environment}\n\n${JSON.stringify({ shipline_lock: { environment: l.environment, holder: l.holder ?? "carol", reason: l.reason ?? "", since: l.since ?? "2026-11-23T07:00:00Z" } })}`,
          },
        })),
      },
      deployments: { nodes: o.deployments ?? [] },
      ...(p
        ? {
            pullRequest: {
              number: p.number ?? 1,
              state: p.state ?? "OPEN",
              merged: p.merged ?? p.state === "MERGED",
              isCrossRepository: p.isCrossRepository ?? false,
              headRefOid: head,
              baseRefName: p.baseRef ?? "master",
              mergeCommit: p.mergeCommit ? { oid: p.mergeCommit, statusCheckRollup: rollupOf(p.mergeChecks, "SUCCESS") } : null,
              author: { login: p.author ?? "Codertocat" },
              reviewDecision: p.reviewDecision ?? null,
              reviews: { totalCount: p.approvals ?? 0 },
              ...(p.firstCommittedAt ? { firstCommit: { nodes: [{ commit: { committedDate: p.firstCommittedAt } }] } } : {}),
              commits: { nodes: [{ commit: { oid: head, committedDate: p.headCommittedAt ?? "2019-05-15T15:00:00Z", statusCheckRollup: p.checks === null ? null : rollupOf(p.headChecks, p.checks ?? "SUCCESS") } }] },
              comments: { nodes: p.commentId ? [{ databaseId: p.commentId, body: p.commentBody ?? `${COMMENT_MARKER}\nold`, viewerDidAuthor: p.commentByViewer ?? true, author: { login: p.commentByViewer === false ? "mallory" : "shipline" } }] : [] },
            },
          }
        : {}),
    },
  };
}
