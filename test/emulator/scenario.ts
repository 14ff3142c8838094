import type { Shapes } from "./shapes.js";
import type { Commit, GitHubState, PullRequest, Repository, Role } from "./state.js";
import type { Delivery, WebhookDeliverer } from "./webhooks.js";

/** Files to change in a commit: content to write, or null to delete the file. */
export type FileChanges = Record<string, string | null>;

const ZERO = "0".repeat(40);

/**
 * What people do on GitHub, for tests and the demo: create repositories, push, open and
 * merge pull requests, comment, click. Each action changes the state and delivers the
 * webhooks GitHub would send.
 */
export class Scenario {
  constructor(
    private readonly state: GitHubState,
    private readonly webhooks: WebhookDeliverer,
    private readonly shapes: Shapes,
  ) {}

  repo(fullName: string): Repository {
    const [owner = "", name = ""] = fullName.split("/");
    const repo = this.state.repo(owner, name);
    if (!repo) throw new Error(`no repository ${fullName}`);
    return repo;
  }

  /** A repository whose default branch holds one initial commit with `files`. */
  createRepo(fullName: string, options: { defaultBranch?: string; files?: FileChanges; private?: boolean; plan?: Repository["plan"] } = {}): Repository {
    const [owner = "", name = ""] = fullName.split("/");
    const repo = this.state.createRepo(owner, name, options.defaultBranch ?? "main");
    // Private by default, as most teams' repositories are: reads need the app's permissions there.
    repo.private = options.private ?? true;
    repo.plan = options.plan ?? "free";
    const files = applyChanges(new Map(), { "README.md": `# ${name}\n`, ...options.files });
    const initial = this.state.commit(repo, [], "Initial commit", repo.owner, files);
    repo.refs.set(`refs/heads/${repo.default_branch}`, initial.sha);
    return repo;
  }

  /** A member of an organisation's team (`pending`: invited, not yet a member). */
  addTeamMember(org: string, teamSlug: string, login: string, membership: "active" | "pending" = "active"): void {
    this.state.account(login);
    const key = `${org}/${teamSlug}`.toLowerCase();
    const team = this.state.teams.get(key) ?? new Map<string, "active" | "pending">();
    team.set(login, membership);
    this.state.teams.set(key, team);
  }

  /** The role a user has on the repository (what the collaborator permission API answers). */
  setRole(fullName: string, login: string, role: Role): void {
    this.state.account(login);
    this.repo(fullName).collaborators.set(login, role);
  }

  head(fullName: string, branch?: string): string {
    const repo = this.repo(fullName);
    const sha = repo.refs.get(`refs/heads/${branch ?? repo.default_branch}`);
    if (!sha) throw new Error(`no branch ${branch} in ${fullName}`);
    return sha;
  }

  /** Pushes one commit to a branch (created from the default branch if new) and sends `push`. */
  push(fullName: string, options: { branch?: string; message: string; files?: FileChanges; author: string; parents?: string[]; date?: string }): Commit {
    const repo = this.repo(fullName);
    const branch = options.branch ?? repo.default_branch;
    const ref = `refs/heads/${branch}`;
    const before = repo.refs.get(ref);
    const parentSha = before ?? this.head(fullName);
    const parent = repo.commits.get(parentSha)!;
    const commit = this.state.commit(repo, options.parents ?? [parentSha], options.message, this.state.account(options.author), applyChanges(parent.files, options.files ?? {}), options.date);
    repo.refs.set(ref, commit.sha);
    this.sendPush(repo, ref, before ?? ZERO, commit, options.author);
    return commit;
  }

  private sendPush(repo: Repository, ref: string, before: string, commit: Commit, pusher: string): Delivery {
    const author = { name: commit.author.login, email: `${commit.author.id}+${commit.author.login}@users.noreply.github.com`, username: commit.author.login, date: commit.date };
    const headCommit = {
      id: commit.sha,
      tree_id: commit.sha,
      distinct: true,
      message: commit.message,
      timestamp: commit.date,
      url: `http://github.invalid/${repo.owner.login}/${repo.name}/commit/${commit.sha}`,
      author,
      committer: author,
      added: [],
      removed: [],
      modified: [],
    };
    return this.webhooks.send(
      "push",
      repo,
      {
        ref,
        before,
        after: commit.sha,
        created: before === ZERO,
        deleted: false,
        forced: false,
        base_ref: null,
        compare: `http://github.invalid/${repo.owner.login}/${repo.name}/compare/${before.slice(0, 12)}...${commit.sha.slice(0, 12)}`,
        commits: [headCommit],
        head_commit: headCommit,
        pusher: { name: pusher, email: author.email },
      },
      this.state.account(pusher),
    );
  }

  /** Opens a pull request from a new branch holding one commit with `files`. */
  openPullRequest(fullName: string, options: { branch: string; title: string; body?: string; author: string; files?: FileChanges; labels?: string[]; fork?: boolean }): PullRequest {
    const repo = this.repo(fullName);
    const commit = this.push(fullName, { branch: options.branch, message: options.title, files: options.files ?? { [`${options.branch}.txt`]: options.title }, author: options.author });
    const now = this.state.timestamp();
    const pr: PullRequest = {
      number: repo.nextIssueNumber++,
      title: options.title,
      body: options.body ?? "",
      user: this.state.account(options.author),
      head: { ref: options.branch, sha: commit.sha },
      base: { ref: repo.default_branch, sha: this.head(fullName) },
      state: "open",
      merged: false,
      merge_commit_sha: null,
      merged_by: null,
      labels: options.labels ?? [],
      fork: options.fork ?? false,
      approvals: [],
      reviewDecision: null,
      created_at: now,
      updated_at: now,
      closed_at: null,
      merged_at: null,
    };
    repo.pulls.set(pr.number, pr);
    this.webhooks.send("pull_request.opened", repo, { number: pr.number, pull_request: this.shapes.pull(repo, pr) }, pr.user);
    return pr;
  }

  /**
   * A long history at once, with no webhook (for request counts over thousands of commits):
   * `commits` commits on the default branch, every n-th a squash-merged pull request by one of
   * `authors`, titled and labelled by `describe(i)`.
   */
  generateHistory(fullName: string, options: { commits: number; pulls: number; authors: string[]; describe?: (i: number) => { title: string; labels?: string[] } }): Commit[] {
    const repo = this.repo(fullName);
    const ref = `refs/heads/${repo.default_branch}`;
    const every = Math.max(1, Math.floor(options.commits / Math.max(1, options.pulls)));
    const made: Commit[] = [];
    let pulls = 0;
    for (let i = 1; i <= options.commits; i++) {
      const parent = repo.refs.get(ref)!;
      const author = this.state.account(options.authors[i % options.authors.length]!);
      const isPull = pulls < options.pulls && i % every === 0;
      const { title, labels = [] } = options.describe?.(i) ?? { title: `Change ${i}` };
      const number = isPull ? repo.nextIssueNumber++ : 0;
      const commit = this.state.commit(repo, [parent], isPull ? `${title} (#${number})` : title, author, repo.commits.get(parent)!.files);
      repo.refs.set(ref, commit.sha);
      made.push(commit);
      if (!isPull) continue;
      pulls++;
      const now = commit.date;
      repo.pulls.set(number, {
        number, title, body: "", user: author, head: { ref: `change-${i}`, sha: commit.sha }, base: { ref: repo.default_branch, sha: parent },
        state: "closed", merged: true, merge_commit_sha: commit.sha, merged_by: author, labels, fork: false, approvals: [], reviewDecision: null,
        created_at: now, updated_at: now, closed_at: now, merged_at: now,
      });
    }
    return made;
  }

  /** Merges as GitHub's button does: a merge commit or a squash commit on the base branch, then `push`. */
  mergePullRequest(fullName: string, number: number, options: { by: string; method?: "merge" | "squash" }): Commit {
    const repo = this.repo(fullName);
    const pr = repo.pulls.get(number);
    if (!pr || pr.state !== "open") throw new Error(`pull request #${number} is not open`);
    const baseRef = `refs/heads/${pr.base.ref}`;
    const before = repo.refs.get(baseRef)!;
    const head = repo.commits.get(pr.head.sha)!;
    const squash = options.method === "squash";
    const message = squash ? `${pr.title} (#${pr.number})` : `Merge pull request #${pr.number} from ${repo.owner.login}/${pr.head.ref}\n\n${pr.title}`;
    const commit = this.state.commit(repo, squash ? [before] : [before, head.sha], message, this.state.account(options.by), new Map(head.files));
    repo.refs.set(baseRef, commit.sha);
    const now = this.state.timestamp();
    Object.assign(pr, { state: "closed", merged: true, merge_commit_sha: commit.sha, merged_by: this.state.account(options.by), closed_at: now, merged_at: commit.date, updated_at: now });
    this.webhooks.send("pull_request.closed", repo, { number: pr.number, pull_request: this.shapes.pull(repo, pr) }, this.state.account(options.by));
    this.sendPush(repo, baseRef, before, commit, options.by);
    return commit;
  }

  /** Another commit on a pull request's branch (what `git push` to it does). */
  /** A push to the pull request's branch; `date` back-dates the commit, as its committer may. */
  pushToPullRequest(fullName: string, number: number, options: { message: string; author: string; files?: FileChanges; date?: string }): Commit {
    const pr = this.repo(fullName).pulls.get(number);
    if (!pr) throw new Error(`no pull request #${number}`);
    const commit = this.push(fullName, { branch: pr.head.ref, message: options.message, author: options.author, files: options.files ?? { [`${pr.head.ref}-${Date.now()}.txt`]: options.message }, ...(options.date ? { date: options.date } : {}) });
    pr.head.sha = commit.sha;
    // Updated when pushed, whatever date the commit carries.
    pr.updated_at = this.state.timestamp();
    return commit;
  }

  /** An approving review by `reviewer`. */
  approve(fullName: string, number: number, reviewer: string): void {
    const pr = this.repo(fullName).pulls.get(number);
    if (!pr) throw new Error(`no pull request #${number}`);
    pr.approvals.push(reviewer);
  }

  /** A CI check run on a commit, as another app (GitHub Actions) would report it; `check_run.completed` when it has a conclusion. */
  check(fullName: string, sha: string, name: string, conclusion: "success" | "failure" | null): void {
    const repo = this.repo(fullName);
    const now = this.state.timestamp();
    const run = { id: this.state.id(), name, head_sha: sha, status: conclusion ? "completed" : "in_progress", conclusion, external_id: null, details_url: null, started_at: now, completed_at: conclusion ? now : null, output: { title: name, summary: "", text: null }, actions: [], annotations: [], app: this.state.account("github-actions[bot]") };
    repo.checkRuns.set(run.id, run);
    if (conclusion) this.webhooks.send("check_run.completed", repo, { check_run: this.shapes.checkRun(repo, run) }, run.app);
  }

  /** Enables the app's custom deployment protection rule on an environment (repository settings). */
  protectEnvironment(fullName: string, environment: string): void {
    const repo = this.repo(fullName);
    // GitHub's plans: on a private repository outside Enterprise the setting does not exist, so
    // no deployment_protection_rule is ever sent there.
    if (repo.private && repo.plan !== "enterprise") {
      throw new Error(`${fullName} is private on the ${repo.plan} plan: GitHub offers custom deployment protection rules on private repositories only with GitHub Enterprise`);
    }
    repo.protectedEnvironments.add(environment);
  }

  /** A commit status (the older API CI systems use), as an external CI would set it. */
  status(fullName: string, sha: string, context: string, state: "pending" | "success" | "failure" | "error"): void {
    const repo = this.repo(fullName);
    repo.statuses.push({ id: this.state.id(), sha, state, context, description: null, target_url: null, creator: this.state.account("ci-bot[bot]"), created_at: this.state.timestamp() });
  }

  /** A deployment as the app would have created it (no webhook): for workflow and action tests. */
  createDeployment(fullName: string, options: { sha: string; environment: string; payload?: Record<string, unknown>; production?: boolean }) {
    const repo = this.repo(fullName);
    const id = this.state.id();
    const now = this.state.timestamp();
    const production = options.production ?? options.environment === "production";
    repo.deployments.set(id, { id, sha: options.sha, ref: options.sha, task: "deploy", environment: options.environment, original_environment: options.environment, payload: options.payload ?? {}, description: "", production_environment: production, transient_environment: false, creator: this.state.account("shipline[bot]"), created_at: now, updated_at: now, statuses: [] });
    return { id, sha: options.sha, ref: options.sha, environment: options.environment, payload: options.payload ?? {} };
  }

  /** A comment on a pull request by `user`, delivered as `issue_comment.created`. */
  comment(fullName: string, number: number, options: { user: string; body: string }): Delivery {
    const repo = this.repo(fullName);
    const pr = repo.pulls.get(number);
    if (!pr) throw new Error(`no pull request #${number}`);
    const user = this.state.account(options.user);
    const now = this.state.timestamp();
    const comment = { id: this.state.id(), issue_number: number, user, body: options.body, created_at: now, updated_at: now, reactions: [] };
    repo.comments.set(comment.id, comment);
    return this.webhooks.send("issue_comment.created", repo, { issue: this.webhooks.issueOf(repo, pr), comment: this.shapes.comment(repo, comment) }, user);
  }

  /** A click on a check run button: `check_run.requested_action` for `user`. */
  clickButton(fullName: string, checkRunId: number, identifier: string, user: string): Delivery {
    const repo = this.repo(fullName);
    const run = repo.checkRuns.get(checkRunId);
    if (!run) throw new Error(`no check run ${checkRunId}`);
    if (!run.actions.some((a) => a.identifier === identifier)) throw new Error(`check run ${checkRunId} has no button ${identifier}`);
    return this.webhooks.send("check_run.requested_action", repo, { check_run: this.shapes.checkRun(repo, run), requested_action: { identifier } }, this.state.account(user));
  }
}

function applyChanges(files: Map<string, string>, changes: FileChanges): Map<string, string> {
  const next = new Map(files);
  for (const [path, content] of Object.entries(changes)) {
    if (content === null) next.delete(path);
    else next.set(path, content);
  }
  return next;
}
