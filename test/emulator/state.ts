import { createHash } from "node:crypto";

/** GitHub's repository roles, weakest first (`role_name` of the collaborator permission API). */
export type Role = "read" | "triage" | "write" | "maintain" | "admin";

export interface Account {
  login: string;
  id: number;
  type: "User" | "Bot" | "Organization";
  /** For an app's bot: the GitHub App's id (check runs belong to the app that made them). */
  appId?: number;
}

export interface Commit {
  sha: string;
  parents: string[];
  message: string;
  author: Account;
  date: string;
  /** The whole tree at this commit: path -> content. */
  files: Map<string, string>;
}

export interface PullRequest {
  /** False while GitHub has not associated the merge commit with the pull request yet. */
  linked?: boolean;
  number: number;
  title: string;
  body: string;
  user: Account;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  state: "open" | "closed";
  merged: boolean;
  merge_commit_sha: string | null;
  merged_by: Account | null;
  labels: string[];
  /** From a fork (`isCrossRepository`). */
  fork: boolean;
  /** Logins whose latest review approves. */
  approvals: string[];
  /** What branch protection would say; null when no review is required. */
  reviewDecision: "APPROVED" | "CHANGES_REQUESTED" | "REVIEW_REQUIRED" | null;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  merged_at: string | null;
}

export interface IssueComment {
  id: number;
  issue_number: number;
  user: Account;
  body: string;
  created_at: string;
  updated_at: string;
  reactions: Array<{ id: number; content: string; user: Account }>;
}

export interface CheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  details_url: string | null;
  started_at: string | null;
  completed_at: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  actions: Array<{ label: string; description: string; identifier: string }>;
  /** Annotations, appended by every create or update that carries some (GitHub's rule). */
  annotations: Array<{ path: string; start_line: number; end_line: number; annotation_level: string; message: string; title?: string }>;
  app: Account;
}

export interface DeploymentStatus {
  id: number;
  state: string;
  description: string;
  environment_url: string;
  log_url: string;
  creator: Account;
  created_at: string;
}

export interface Deployment {
  id: number;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  original_environment: string;
  payload: Record<string, unknown> | string;
  description: string | null;
  production_environment: boolean;
  transient_environment: boolean;
  creator: Account;
  created_at: string;
  updated_at: string;
  statuses: DeploymentStatus[];
}

export interface Release {
  id: number;
  tag_name: string;
  target_commitish: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  author: Account;
  created_at: string;
  published_at: string | null;
}

export interface Repository {
  id: number;
  owner: Account;
  name: string;
  default_branch: string;
  private: boolean;
  /**
   * The owner's GitHub plan. Custom deployment protection rules, required reviewers and wait
   * timers exist on private repositories only with Enterprise; public ones have them on every plan.
   */
  plan: "free" | "pro" | "team" | "enterprise";
  commits: Map<string, Commit>;
  /** Full ref names (`refs/heads/main`, `refs/tags/v1`, `refs/shipline/...`) -> SHA. */
  refs: Map<string, string>;
  pulls: Map<number, PullRequest>;
  comments: Map<number, IssueComment>;
  collaborators: Map<string, Role>;
  checkRuns: Map<number, CheckRun>;
  /** Commit statuses, oldest first: `context` -> latest state is what GitHub combines. */
  statuses: Array<{ id: number; sha: string; state: string; context: string; description: string | null; target_url: string | null; creator: Account; created_at: string }>;
  deployments: Map<number, Deployment>;
  releases: Map<number, Release>;
  nextIssueNumber: number;
  /** Environments whose jobs wait on the app's custom deployment protection rule. */
  protectedEnvironments: Set<string>;
  /** Workflow runs of `deployment` workflows, as far as protection rules see them. */
  workflowRuns: Map<number, WorkflowRun>;
}

export interface WorkflowRun {
  id: number;
  head_sha: string;
  environment: string;
  deploymentId: number;
  status: "waiting" | "in_progress" | "completed";
  conclusion: "success" | "failure" | null;
  /** The app's reviews of its protection rule: comment, and state once decided. */
  reviews: Array<{ state?: string; comment: string }>;
  resume: () => Promise<void>;
}

/** Everything the emulated GitHub knows. Plain data: the REST layer and the scenario API share it. */
export class GitHubState {
  readonly repos = new Map<string, Repository>();
  readonly accounts = new Map<string, Account>();
  /** Organisations' teams, `org/slug` in lower case -> member login -> membership state. */
  readonly teams = new Map<string, Map<string, "active" | "pending">>();
  private nextId = 1000;
  /**
   * GitHub's clock: real time (the app compares it with its own, for soak times), to the
   * second as GitHub writes timestamps, and moving at least a second per event so that
   * "newer than" is always well defined.
   */
  now = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
  /** Where GitHub's web pages are (`https://github.com`; the emulator's own address once it listens). */
  webUrl = "https://github.com";
  /** History cursors given out in answers; with `strictCursors`, the only ones accepted back. */
  readonly handedOutCursors = new Set<string>();
  /** A GitHub that takes back only the history cursors it handed out (none computed in advance). */
  strictCursors = false;

  id(): number {
    return this.nextId++;
  }

  timestamp(): string {
    this.now = new Date(Math.max(this.now.getTime() + 1000, Math.floor(Date.now() / 1000) * 1000));
    return this.now.toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  account(login: string, type: Account["type"] = login.endsWith("[bot]") ? "Bot" : "User"): Account {
    let account = this.accounts.get(login);
    if (!account) {
      account = { login, id: this.id(), type };
      this.accounts.set(login, account);
    }
    return account;
  }

  repo(owner: string, name: string): Repository | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  createRepo(owner: string, name: string, defaultBranch: string): Repository {
    const repo: Repository = {
      id: this.id(),
      owner: this.account(owner),
      name,
      default_branch: defaultBranch,
      private: false,
      plan: "free",
      commits: new Map(),
      refs: new Map(),
      pulls: new Map(),
      comments: new Map(),
      collaborators: new Map([[owner, "admin"]]),
      checkRuns: new Map(),
      statuses: [],
      deployments: new Map(),
      releases: new Map(),
      nextIssueNumber: 1,
      protectedEnvironments: new Set(),
      workflowRuns: new Map(),
    };
    this.repos.set(`${owner}/${name}`.toLowerCase(), repo);
    return repo;
  }

  /** A new commit whose SHA, like git's, depends on its parents, message, author, time and tree. */
  /** A commit, dated now unless its committer set another date (git lets anyone back-date a commit). */
  commit(repo: Repository, parents: string[], message: string, author: Account, files: Map<string, string>, committedDate?: string): Commit {
    const stamped = this.timestamp();
    const date = committedDate ?? stamped;
    const tree = [...files].sort(([a], [b]) => a.localeCompare(b)).map(([p, c]) => `${p}\0${c}`).join("\0");
    const sha = createHash("sha1").update(`${parents.join(",")}\n${author.login}\n${date}\n${message}\n${tree}`).digest("hex");
    const commit: Commit = { sha, parents, message, author, date, files };
    repo.commits.set(sha, commit);
    return commit;
  }

  /** Resolves a SHA, a unique SHA prefix, a branch, a tag or a full ref name to a commit. */
  resolve(repo: Repository, ref: string): Commit | undefined {
    const direct = repo.commits.get(ref);
    if (direct) return direct;
    for (const name of [ref, `refs/heads/${ref}`, `refs/tags/${ref}`]) {
      const sha = repo.refs.get(name);
      if (sha) return repo.commits.get(sha);
    }
    if (/^[0-9a-f]{7,39}$/.test(ref)) {
      const matches = [...repo.commits.keys()].filter((sha) => sha.startsWith(ref));
      if (matches.length === 1) return repo.commits.get(matches[0]!);
    }
    return undefined;
  }

  /** Commits reachable from `sha`, newest first (first-parent order is enough for our histories). */
  history(repo: Repository, sha: string): Commit[] {
    const out: Commit[] = [];
    const seen = new Set<string>();
    const queue = [sha];
    while (queue.length > 0) {
      const current = repo.commits.get(queue.shift()!);
      if (!current || seen.has(current.sha)) continue;
      seen.add(current.sha);
      out.push(current);
      queue.push(...current.parents);
    }
    return out.sort((a, b) => b.date.localeCompare(a.date));
  }

  /** GitHub's rule: a missing collaborator has no role; the owner is admin. */
  role(repo: Repository, login: string): Role | null {
    return repo.collaborators.get(login) ?? null;
  }
}
