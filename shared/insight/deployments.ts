import { z } from "zod";
import { CONFIG_PATH } from "../config/schema.js";
import { LOCK_REF_PREFIX, type LockState } from "../locks/lock.js";
import { shiplineOf } from "../github/payload.js";
import { CHECKS_FRAGMENT, checkFacts, deploymentFields, lockRefs, locksOf, rollup, type CheckFact } from "../github/facts.js";

/**
 * What the dashboard reads of a repository, in one GraphQL request per 100 deployments: the
 * pipeline (config on the default branch), the locks, and the deployments with their statuses,
 * commit and the pull request that brought the commit (for lead time). Newest first.
 */
export const INSIGHT_QUERY = /* GraphQL */ `
  query ShiplineInsight($owner: String!, $repo: String!, $before: String) {
    repository(owner: $owner, name: $repo) {
      nameWithOwner
      url
      defaultBranchRef { name }
      config: object(expression: "HEAD:${CONFIG_PATH}") { ... on Blob { text } }
      locks: refs(refPrefix: "${LOCK_REF_PREFIX}", first: 50) {
        nodes { name target { ... on Commit { oid message committedDate } } }
      }
      deployments(last: 100, before: $before) {
        pageInfo { hasPreviousPage startCursor }
        nodes {
          databaseId commitOid environment task payload createdAt
          creator { login }
          statuses(first: 30) { nodes { state createdAt logUrl environmentUrl } }
          commit {
            committedDate
            messageHeadline
            statusCheckRollup { ...ShiplineChecks }
            associatedPullRequests(first: 1) { nodes { number title url commits(first: 1) { nodes { commit { committedDate } } } } }
          }
        }
      }
    }
  }
  ${CHECKS_FRAGMENT}
`;

const statusNode = z.object({ state: z.string(), createdAt: z.string(), logUrl: z.string().nullable().optional(), environmentUrl: z.string().nullable().optional() });
const response = z.object({
  repository: z.object({
    nameWithOwner: z.string(),
    url: z.string(),
    defaultBranchRef: z.object({ name: z.string() }).nullable(),
    config: z.object({ text: z.string().nullable().optional() }).nullable(),
    locks: lockRefs,
    deployments: z.object({
      pageInfo: z.object({ hasPreviousPage: z.boolean(), startCursor: z.string().nullable() }),
      nodes: z.array(
        z.object({
          ...deploymentFields,
          statuses: z.object({ nodes: z.array(statusNode) }).nullable(),
          commit: z
            .object({
              committedDate: z.string(),
              messageHeadline: z.string().optional(),
              statusCheckRollup: rollup.optional(),
              associatedPullRequests: z
                .object({ nodes: z.array(z.object({ number: z.number(), title: z.string(), url: z.string().optional(), commits: z.object({ nodes: z.array(z.object({ commit: z.object({ committedDate: z.string() }) })) }).optional() })) })
                .nullable()
                .optional(),
            })
            .nullable()
            .optional(),
        }),
      ),
    }),
  }),
});

/** How a deployment came to be, as people say it. */
export type Trigger = "merge" | "command" | "button" | "promotion" | "rollback" | "auto_rollback" | "other";

export interface InsightDeployment {
  id: number;
  sha: string;
  environment: string;
  task: string;
  trigger: Trigger;
  /** Who asked (Shipline's payload), else who created it. */
  actor: string;
  createdAt: string;
  /** Oldest first. */
  statuses: Array<{ state: string; at: string; logUrl: string | null; environmentUrl: string | null }>;
  /** The latest state, lower case; `queued` before any status. */
  state: string;
  /** When it first succeeded. */
  successAt: string | null;
  /** When it ended (its first final status). */
  endedAt: string | null;
  pull: { number: number; title: string; url: string | null } | null;
  /** Where its lead time starts: the first commit of its pull request, else its own commit. */
  changeStartedAt: string | null;
  /** What a rollback replaced: the deployment id, or the SHA. */
  replaces: { id: number | null; sha: string | null } | null;
  /** The commit's latest check runs and statuses: what a checks gate reads. */
  checks: CheckFact[];
}

export interface InsightPage {
  repository: string;
  url: string;
  defaultBranch: string | null;
  configText: string | null;
  locks: Map<string, LockState>;
  deployments: InsightDeployment[];
  /** Where the next (older) page starts, when there is one. */
  olderCursor: string | null;
}

const FINAL = new Set(["success", "failure", "error"]);

function triggerOf(task: string, shipline: Record<string, unknown> | null): Trigger {
  const t = shipline?.trigger;
  if (t === "auto_rollback") return "auto_rollback";
  if (task === "deploy:rollback") return "rollback";
  if (t === "merge" || t === "push") return "merge";
  if (t === "command" || t === "button" || t === "promotion") return t;
  return "other";
}

/** One page of the insight query, parsed at the boundary. */
export function parseInsight(data: unknown): InsightPage {
  const { repository: r } = response.parse(data);
  const deployments = r.deployments.nodes
    .filter((n) => n.databaseId !== null)
    .map((n): InsightDeployment => {
      const shipline = shiplineOf(n.payload);
      const statuses = (n.statuses?.nodes ?? [])
        .map((s) => ({ state: s.state.toLowerCase(), at: s.createdAt, logUrl: s.logUrl ?? null, environmentUrl: s.environmentUrl ?? null }))
        .sort((a, b) => a.at.localeCompare(b.at));
      const pr = n.commit?.associatedPullRequests?.nodes[0] ?? null;
      const task = n.task ?? "deploy";
      const replacesId = shipline?.replaces_deployment;
      const replacesSha = shipline?.replaces;
      return {
        id: n.databaseId!,
        sha: n.commitOid,
        environment: n.environment ?? "",
        task,
        trigger: triggerOf(task, shipline),
        actor: typeof shipline?.actor === "string" ? shipline.actor : (n.creator?.login ?? "ghost"),
        createdAt: n.createdAt,
        statuses,
        state: statuses.at(-1)?.state ?? "queued",
        successAt: statuses.find((s) => s.state === "success")?.at ?? null,
        endedAt: statuses.find((s) => FINAL.has(s.state))?.at ?? null,
        pull: pr ? { number: pr.number, title: pr.title, url: pr.url ?? null } : null,
        changeStartedAt: pr?.commits?.nodes[0]?.commit.committedDate ?? n.commit?.committedDate ?? null,
        checks: checkFacts(n.commit?.statusCheckRollup),
        replaces: typeof replacesId === "number" || typeof replacesSha === "string" ? { id: typeof replacesId === "number" ? replacesId : null, sha: typeof replacesSha === "string" ? replacesSha : null } : null,
      };
    })
    .sort((a, b) => b.id - a.id);
  return {
    repository: r.nameWithOwner,
    url: r.url,
    defaultBranch: r.defaultBranchRef?.name ?? null,
    configText: r.config?.text ?? null,
    locks: locksOf(r.locks),
    deployments,
    olderCursor: r.deployments.pageInfo.hasPreviousPage ? r.deployments.pageInfo.startCursor : null,
  };
}

