import { z } from "zod";
import { CONFIG_PATH } from "../config/schema.js";
import { LOCK_REF_PREFIX, readLock, type LockState } from "../locks/lock.js";
import { shiplineOf } from "./payload.js";

/** A check run or commit status on a SHA, reduced to what the checks gate needs. */
export interface CheckFact {
  name: string;
  id: number;
  /** `queued`, `in_progress`, `completed` (check runs) or `pending`, `success`, `failure`, `error` (statuses). */
  status: string;
  conclusion: string | null;
}

/** The rollup's contexts as check facts, lower case as the REST API writes them. */
export function checkFacts(r: z.infer<typeof rollup> | undefined): CheckFact[] {
  return (r?.contexts?.nodes ?? []).map((n, i) =>
    n.__typename === "CheckRun"
      ? { name: n.name, id: n.databaseId ?? i, status: n.status.toLowerCase(), conclusion: n.conclusion?.toLowerCase() ?? null }
      : { name: n.context, id: i, status: n.state.toLowerCase(), conclusion: null },
  );
}

/** A commit's latest check runs and statuses: the checks gate's facts, wherever a query reads them. */
export const CHECKS_FRAGMENT = /* GraphQL */ `
  fragment ShiplineChecks on StatusCheckRollup {
    state
    contexts(first: 100) {
      nodes {
        __typename
        ... on CheckRun { databaseId name status conclusion }
        ... on StatusContext { context state }
      }
    }
  }
`;

/**
 * Everything a command decides on, in one GraphQL request: the pull request (head, head
 * commit time, approval, checks, fork), the config on the default branch, the locks, the
 * repository's recent deployments with their statuses, and Shipline's own PR comment.
 * One request instead of eight REST calls keeps `/deploy` within its budget.
 */
export const FACTS_QUERY = /* GraphQL */ `
  query ShiplineFacts($owner: String!, $repo: String!, $number: Int!, $withPull: Boolean!, $sha: GitObjectID!, $withSha: Boolean!) {
    repository(owner: $owner, name: $repo) {
      commit: object(oid: $sha) @include(if: $withSha) { ... on Commit { oid statusCheckRollup { ...ShiplineChecks } } }
      defaultBranchRef { name target { oid } }
      config: object(expression: "HEAD:${CONFIG_PATH}") { ... on Blob { text } }
      locks: refs(refPrefix: "${LOCK_REF_PREFIX}", first: 50) {
        nodes { name target { ... on Commit { oid message committedDate } } }
      }
      deployments(last: 100) {
        nodes {
          databaseId commitOid environment task payload createdAt
          creator { login }
          latestStatus { state environmentUrl logUrl createdAt }
          statuses(first: 20) { nodes { state createdAt } }
        }
      }
      pullRequest(number: $number) @include(if: $withPull) {
        number state merged isCrossRepository headRefOid baseRefName
        mergeCommit { oid statusCheckRollup { ...ShiplineChecks } }
        author { login }
        reviewDecision
        reviews(states: [APPROVED], first: 1) { totalCount }
        commits(last: 1) { nodes { commit { oid committedDate statusCheckRollup { ...ShiplineChecks } } } }
        firstCommit: commits(first: 1) { nodes { commit { committedDate } } }
        comments(last: 100) { nodes { databaseId body viewerDidAuthor author { login } } }
      }
    }
  }
  ${CHECKS_FRAGMENT}
`;

/** A commit's rollup: its state, and each latest check run and status (the gates' facts). */
/** A commit's status-check rollup as the `ShiplineChecks` fragment reads it (the dashboard reads the same). */
export const rollup = z
  .object({
    state: z.string(),
    contexts: z
      .object({
        nodes: z.array(
          z.union([
            z.object({ __typename: z.literal("CheckRun"), databaseId: z.number().nullable(), name: z.string(), status: z.string(), conclusion: z.string().nullable() }),
            z.object({ __typename: z.literal("StatusContext"), context: z.string(), state: z.string() }),
          ]),
        ),
      })
      .optional(),
  })
  .nullable();

const login = z.object({ login: z.string() }).nullable();

/** The lock refs, as the facts and the dashboard read them (`refs/shipline/locks/<env>`). */
export const lockRefs = z.object({
  nodes: z.array(z.object({ name: z.string(), target: z.object({ oid: z.string().optional(), message: z.string().optional(), committedDate: z.string().optional() }).nullable() })),
});

/** Each environment's lock, by the name of its ref. */
export function locksOf(refs: z.infer<typeof lockRefs>): Map<string, LockState> {
  return new Map(refs.nodes.map((n) => [n.name.replace(/^.*\//, ""), readLock(n.target?.message ?? null, n.target?.committedDate ?? null)]));
}

/** A deployment's own fields, as both queries ask them. */
export const deploymentFields = {
  databaseId: z.number().nullable(),
  commitOid: z.string(),
  environment: z.string().nullable(),
  task: z.string().nullable(),
  payload: z.string().nullable(),
  createdAt: z.string(),
  creator: login,
};

const response = z.object({
  repository: z.object({
    commit: z.object({ oid: z.string().optional(), statusCheckRollup: rollup.optional() }).nullable().optional(),
    defaultBranchRef: z.object({ name: z.string(), target: z.object({ oid: z.string() }) }),
    config: z.object({ text: z.string().nullable().optional() }).nullable(),
    locks: lockRefs,
    deployments: z.object({
      nodes: z.array(
        z.object({
          ...deploymentFields,
          latestStatus: z.object({ state: z.string(), environmentUrl: z.string().nullable(), logUrl: z.string().nullable(), createdAt: z.string() }).nullable(),
          statuses: z.object({ nodes: z.array(z.object({ state: z.string(), createdAt: z.string().optional() })) }).nullable(),
        }),
      ),
    }),
    pullRequest: z
      .object({
        number: z.number(),
        state: z.enum(["OPEN", "CLOSED", "MERGED"]),
        merged: z.boolean(),
        isCrossRepository: z.boolean(),
        headRefOid: z.string(),
        baseRefName: z.string().optional(),
        mergeCommit: z.object({ oid: z.string(), statusCheckRollup: rollup.optional() }).nullable(),
        author: login,
        reviewDecision: z.string().nullable(),
        reviews: z.object({ totalCount: z.number() }).nullable(),
        firstCommit: z.object({ nodes: z.array(z.object({ commit: z.object({ committedDate: z.string() }) })) }).optional(),
        commits: z.object({
          nodes: z.array(z.object({ commit: z.object({ oid: z.string(), committedDate: z.string(), statusCheckRollup: rollup }) })),
        }),
        comments: z.object({ nodes: z.array(z.object({ databaseId: z.number().nullable(), body: z.string(), viewerDidAuthor: z.boolean(), author: z.object({ login: z.string() }).nullable().optional() })) }),
      })
      .nullable()
      .optional(),
  }),
});

/** The marker that identifies Shipline's one comment on a pull request. */
export const COMMENT_MARKER = "<!-- shipline:pull-request -->";

export interface DeploymentFact {
  id: number;
  sha: string;
  environment: string;
  task: string;
  /** Shipline's payload, when Shipline created the deployment. */
  shipline: Record<string, unknown> | null;
  createdAt: string;
  creator: string;
  /** The latest status, lower case as the REST API writes it; `queued` when there is none yet. */
  state: string;
  everSucceeded: boolean;
  /** When it first reported `success`: where soak time starts. */
  successAt: string | null;
  environmentUrl: string | null;
  logUrl: string | null;
}

export interface PullFacts {
  number: number;
  state: "open" | "closed" | "merged";
  fork: boolean;
  head: string;
  headCommittedAt: string;
  /** When the pull request's first commit was made: where its lead time starts. */
  firstCommittedAt: string | null;
  mergeCommit: string | null;
  author: string | null;
  approved: boolean;
  /** The combined state of the head commit's checks and statuses. */
  checks: "success" | "failure" | "pending" | "none";
  /** The branch it would merge into: only pull requests into the default branch deploy. */
  baseRef: string | null;
  /** Each check run and status on the head, and on the merge commit once merged: what the checks gate reads. */
  headChecks: CheckFact[];
  mergeChecks: CheckFact[];
  shiplineCommentId: number | null;
  /** Its text: the earlier outcomes it lists are carried into the next edit. */
  shiplineCommentBody: string | null;
}

export interface RepoFacts {
  defaultBranch: string;
  defaultHead: string;
  /** `.github/shipline.yml` on the default branch, or null when the repository has none. */
  configText: string | null;
  locks: Map<string, LockState>;
  /** Newest first (by id). */
  deployments: DeploymentFact[];
  pull: PullFacts | null;
  /** Check runs and statuses on the commit asked for with the facts (a merge's SHA); null when none was asked. */
  commitChecks: CheckFact[] | null;
}

function checksState(state: string | undefined): PullFacts["checks"] {
  if (!state) return "none";
  if (state === "SUCCESS") return "success";
  if (state === "PENDING" || state === "EXPECTED") return "pending";
  return "failure";
}

/** An app's bot login, as REST (`shipline[bot]`) or GraphQL (`shipline`) writes it. */
const botName = (login: string) => login.replace(/\[bot\]$/, "").toLowerCase();

/**
 * Shipline's own comment: the one the viewer (the app) wrote, or, read by another token (a
 * workflow's, in the deploy action), the one its bot wrote. Never a comment by anyone else,
 * whatever markers it carries.
 */
function shiplineComment(nodes: Array<{ databaseId: number | null; body: string; viewerDidAuthor: boolean; author?: { login: string } | null | undefined }>, shiplineLogin?: string): Pick<PullFacts, "shiplineCommentId" | "shiplineCommentBody"> {
  const byShipline = (c: (typeof nodes)[number]) => c.viewerDidAuthor || (shiplineLogin !== undefined && c.author != null && botName(c.author.login) === botName(shiplineLogin));
  const mine = nodes.find((c) => byShipline(c) && c.body.includes(COMMENT_MARKER));
  return { shiplineCommentId: mine?.databaseId ?? null, shiplineCommentBody: mine?.body ?? null };
}

/** Reads the GraphQL answer into plain facts; throws (a bug, not user input) if its shape is off. */
export function parseFacts(data: unknown, options: { shiplineLogin?: string } = {}): RepoFacts {
  const { repository: r } = response.parse(data);
  const pr = r.pullRequest ?? null;
  const head = pr?.commits.nodes.at(-1)?.commit;
  return {
    defaultBranch: r.defaultBranchRef.name,
    defaultHead: r.defaultBranchRef.target.oid,
    configText: r.config?.text ?? null,
    commitChecks: r.commit === undefined ? null : checkFacts(r.commit?.statusCheckRollup),
    locks: locksOf(r.locks),
    deployments: r.deployments.nodes
      .filter((d) => d.databaseId !== null)
      .map((d) => ({
        id: d.databaseId!,
        sha: d.commitOid,
        environment: d.environment ?? "",
        task: d.task ?? "deploy",
        shipline: shiplineOf(d.payload),
        createdAt: d.createdAt,
        creator: d.creator?.login ?? "ghost",
        state: d.latestStatus?.state.toLowerCase() ?? "queued",
        everSucceeded: (d.statuses?.nodes ?? []).some((s) => s.state === "SUCCESS") || d.latestStatus?.state === "SUCCESS",
        successAt:
          (d.statuses?.nodes ?? []).find((s) => s.state === "SUCCESS")?.createdAt ?? (d.latestStatus?.state === "SUCCESS" ? d.latestStatus.createdAt : null),
        environmentUrl: d.latestStatus?.environmentUrl ?? null,
        logUrl: d.latestStatus?.logUrl ?? null,
      }))
      // Newest first, whatever order the connection used.
      .sort((a, b) => b.id - a.id),
    pull: pr
      ? {
          number: pr.number,
          state: pr.merged ? "merged" : pr.state === "OPEN" ? "open" : "closed",
          fork: pr.isCrossRepository,
          head: pr.headRefOid,
          headCommittedAt: head?.committedDate ?? "",
          firstCommittedAt: pr.firstCommit?.nodes[0]?.commit.committedDate ?? null,
          mergeCommit: pr.mergeCommit?.oid ?? null,
          author: pr.author?.login ?? null,
          approved: pr.reviewDecision === "APPROVED" || (pr.reviewDecision === null && (pr.reviews?.totalCount ?? 0) > 0),
          checks: checksState(head?.statusCheckRollup?.state),
          baseRef: pr.baseRefName ?? null,
          headChecks: checkFacts(head?.statusCheckRollup),
          mergeChecks: checkFacts(pr.mergeCommit?.statusCheckRollup),
          ...shiplineComment(pr.comments.nodes, options.shiplineLogin),
        }
      : null,
  };
}
