import type { components } from "@octokit/openapi-types";
import { createOnce } from "./create-once.js";
import { shiplineOf } from "./payload.js";

// The description types ids as `number | bigint`; GitHub's ids fit in a double for decades.
export type Deployment = Omit<components["schemas"]["deployment"], "id"> & { id: number };
export type CheckRun = Omit<components["schemas"]["check-run"], "id"> & { id: number };
export type Release = Omit<components["schemas"]["release"], "id"> & { id: number };

/**
 * The one method Shipline needs from an Octokit: Probot's, @actions/github's and
 * @octokit/rest's all provide it, so the same core runs under a webhook and in a workflow.
 */
export interface Requester {
  request(route: string, params?: Record<string, unknown>): Promise<{ status: number; data: unknown }>;
  graphql<T = unknown>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

export interface RepoRef {
  owner: string;
  repo: string;
}

/** Check run buttons: GitHub caps labels and identifiers at 20 characters, descriptions at 40. */
export interface CheckRunAction {
  label: string;
  description: string;
  identifier: string;
}

/** A line-level note on a check run; GitHub takes at most 50 per request. */
export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: "notice" | "warning" | "failure";
  message: string;
  title?: string;
  raw_details?: string;
}

export interface CheckRunOutput {
  title: string;
  summary: string;
  text?: string;
  annotations?: CheckRunAnnotation[];
}

export interface NewCheckRun {
  name: string;
  head_sha: string;
  status: "completed" | "in_progress" | "queued";
  conclusion?: "success" | "failure" | "neutral" | "action_required" | "cancelled" | "skipped" | "timed_out";
  external_id?: string;
  details_url?: string;
  output: CheckRunOutput;
  actions?: CheckRunAction[];
}

export interface NewDeployment {
  ref: string;
  task: string;
  environment: string;
  description: string;
  production_environment: boolean;
  transient_environment: boolean;
  payload: Record<string, unknown>;
}

/**
 * Octokit's retry plugin retries any 5xx, POST included; a create that succeeded before
 * the 5xx would then run twice. Creates opt out and go through `createOnce` instead.
 */
const NO_BLIND_RETRY = { retries: 0 };

/** Every GitHub call Shipline makes, typed, and counted so flows can report their cost. */
/** A placeholder for the facts query's `$sha` when no commit is asked (the field is skipped). */
const NO_SHA = "0".repeat(40);

export class GitHubGateway {
  /** Requests made through this gateway. */
  requests = 0;

  constructor(
    private readonly octokit: Requester,
    readonly repo: RepoRef,
    /** The GitHub App this gateway acts as: its own check runs are the only ones it may edit. */
    private readonly options: { appId?: number } = {},
  ) {}

  private async call<T>(route: string, params: Record<string, unknown> = {}): Promise<T> {
    this.requests++;
    const response = await this.octokit.request(route, { ...this.repo, ...params });
    return response.data as T;
  }

  /** Every deployment of one SHA, newest first: a GET, which Octokit does not space like writes and GraphQL. */
  deploymentsOfSha(sha: string): Promise<Deployment[]> {
    return this.call<Deployment[]>("GET /repos/{owner}/{repo}/deployments", { sha, per_page: 100 });
  }

  /** Deployments of one SHA to one environment, newest first (GitHub's order). */
  listDeployments(filter: { sha: string; environment: string; task?: string }): Promise<Deployment[]> {
    return this.call<Deployment[]>("GET /repos/{owner}/{repo}/deployments", { ...filter, per_page: 100 });
  }

  /**
   * Always an exact SHA with `auto_merge: false`: a branch name could be merged into
   * by GitHub and deploy code nobody checked. `required_contexts: []` because gating
   * is Shipline's job (its protection rule), not the Deployments API's.
   */
  createDeployment(deployment: NewDeployment): Promise<Deployment> {
    return this.call<Deployment>("POST /repos/{owner}/{repo}/deployments", {
      ...deployment,
      // GitHub caps deployment descriptions at 140 characters.
      description: deployment.description.slice(0, 140),
      auto_merge: false,
      required_contexts: [],
      request: NO_BLIND_RETRY,
    });
  }

  /**
   * Creates a deployment whose payload carries `shipline.source = marker` at most once:
   * after a failure that may hide a success, the marker finds what the first attempt left.
   */
  createDeploymentOnce(deployment: NewDeployment, marker: string): Promise<Deployment> {
    const find = async () =>
      (await this.listDeployments({ sha: deployment.ref, environment: deployment.environment, task: deployment.task })).find((d) => shiplineOf(d.payload)?.source === marker);
    return createOnce(() => this.createDeployment(deployment), find);
  }

  createDeploymentStatus(
    deploymentId: number,
    status: { state: "error" | "failure" | "inactive" | "in_progress" | "success"; description: string; log_url?: string; environment_url?: string },
  ) {
    return this.call("POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
      deployment_id: deploymentId,
      ...status,
      // GitHub caps status descriptions at 140 characters.
      description: status.description.slice(0, 140),
    });
  }

  getDeployment(id: number): Promise<Deployment> {
    return this.call<Deployment>("GET /repos/{owner}/{repo}/deployments/{deployment_id}", { deployment_id: id });
  }

  /**
   * The SHA of the newest other deployment of the environment that ever succeeded (GitHub's
   * auto_inactive turns earlier successes `inactive`, so any `success` status counts).
   */
  async lastSuccessfulSha(environment: string, excludeId: number): Promise<string | null> {
    const deployments = await this.call<Deployment[]>("GET /repos/{owner}/{repo}/deployments", { environment, per_page: 30 });
    for (const d of deployments.filter((x) => x.id !== excludeId && x.id < excludeId)) {
      const statuses = await this.call<Array<{ state: string }>>("GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", { deployment_id: d.id, per_page: 100 });
      if (statuses.some((s) => s.state === "success")) return d.sha;
    }
    return null;
  }

  async listCheckRuns(sha: string, checkName: string): Promise<CheckRun[]> {
    const data = await this.call<{ check_runs: CheckRun[] }>("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
      ref: sha,
      check_name: checkName,
      filter: "latest",
      // Another app, or a workflow job, may have a check run of the same name: only ours count.
      ...(this.options.appId ? { app_id: this.options.appId } : {}),
    });
    return data.check_runs;
  }

  /** The facts a command decides on, in one GraphQL request (see facts.ts). */
  /** The facts query (facts.ts), with a pull request's part and a commit's checks when asked. */
  async facts(query: string, pullNumber: number | null, sha: string | null = null): Promise<unknown> {
    this.requests++;
    return this.octokit.graphql(query, { ...this.repo, number: pullNumber ?? 0, withPull: pullNumber !== null, sha: sha ?? NO_SHA, withSha: sha !== null });
  }

  /** `role_name`, not `permission`: the latter folds maintain into write and triage into read. */
  async collaboratorRole(username: string): Promise<string> {
    const data = await this.call<{ role_name?: string; permission: string }>("GET /repos/{owner}/{repo}/collaborators/{username}/permission", { username });
    return data.role_name ?? data.permission;
  }

  /**
   * Whether a user is an active member of an organisation's team (a pending invitation is not
   * membership). Needs the app's `members: read` organisation permission; 404 means no.
   */
  async isTeamMember(org: string, teamSlug: string, username: string): Promise<boolean> {
    try {
      // Not `call`: the repository's owner and name would become query parameters of an /orgs route.
      this.requests++;
      const { data } = await this.octokit.request("GET /orgs/{org}/teams/{team_slug}/memberships/{username}", { org, team_slug: teamSlug, username });
      return (data as { state?: string }).state === "active";
    } catch (error) {
      if ((error as { status?: number }).status === 404) return false;
      throw error;
    }
  }

  async pullHead(pullNumber: number): Promise<string> {
    const data = await this.call<{ head: { sha: string } }>("GET /repos/{owner}/{repo}/pulls/{pull_number}", { pull_number: pullNumber });
    return data.head.sha;
  }

  /** Resolves a tag, branch or SHA prefix to the full SHA of its commit. */
  async commitSha(ref: string): Promise<string> {
    const data = await this.call<{ sha: string }>("GET /repos/{owner}/{repo}/commits/{ref}", { ref });
    return data.sha;
  }

  /** Whether `sha` is an ancestor of (or equal to) `head`. */
  async isAncestor(sha: string, head: string): Promise<boolean> {
    const data = await this.call<{ status: string; behind_by: number }>("GET /repos/{owner}/{repo}/compare/{basehead}", { basehead: `${sha}...${head}`, per_page: 1 });
    return data.status === "ahead" || data.status === "identical";
  }

  /** How many commits of `base` the commit `head` lacks (GitHub's `behind_by`). */
  async commitsBehind(base: string, head: string): Promise<number> {
    const data = await this.call<{ behind_by: number }>("GET /repos/{owner}/{repo}/compare/{basehead}", { basehead: `${base}...${head}`, per_page: 1 });
    return data.behind_by;
  }

  /** How many commits `live` has that `sha` lacks, when `sha` is an ancestor of `live` (0 otherwise). */
  async commitsTakenAway(sha: string, live: string): Promise<number> {
    const data = await this.call<{ status: string; ahead_by: number }>("GET /repos/{owner}/{repo}/compare/{basehead}", { basehead: `${sha}...${live}`, per_page: 1 });
    return data.status === "ahead" ? data.ahead_by : 0;
  }

  reactToComment(commentId: number, content: "eyes" | "rocket" | "confused") {
    return this.call("POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", { comment_id: commentId, content });
  }

  createComment(issueNumber: number, body: string): Promise<{ id: number }> {
    return this.call("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { issue_number: issueNumber, body, request: NO_BLIND_RETRY });
  }

  updateComment(commentId: number, body: string) {
    return this.call("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", { comment_id: commentId, body });
  }

  /** A commit object that no branch points at (a lock's record). */
  async createCommit(message: string, tree: string): Promise<string> {
    const data = await this.call<{ sha: string }>("POST /repos/{owner}/{repo}/git/commits", { message, tree, parents: [] });
    return data.sha;
  }

  /** Fails with 422 when the ref exists: the atomic step that makes locks safe. */
  createRef(ref: string, sha: string) {
    return this.call("POST /repos/{owner}/{repo}/git/refs", { ref, sha, request: NO_BLIND_RETRY });
  }

  deleteRef(ref: string) {
    return this.call("DELETE /repos/{owner}/{repo}/git/refs/{ref}", { ref: ref.replace(/^refs\//, "") });
  }

  updateCheckRun(checkRunId: number, checkRun: Partial<NewCheckRun>) {
    return this.call("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { check_run_id: checkRunId, ...checkRun });
  }

  /** Every check run on a commit (all runs, not only the latest of each name: the gate picks). */
  async checkRunsOn(sha: string): Promise<Array<{ id: number; name: string; status: string; conclusion: string | null; details_url: string | null }>> {
    const data = await this.call<{ check_runs: Array<{ id: number; name: string; status: string; conclusion: string | null; details_url: string | null }> }>(
      "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
      { ref: sha, filter: "all", per_page: 100 },
    );
    return data.check_runs;
  }

  /** Commit statuses on a commit, newest first. */
  commitStatuses(sha: string): Promise<Array<{ id: number; context: string; state: string }>> {
    return this.call("GET /repos/{owner}/{repo}/commits/{ref}/statuses", { ref: sha, per_page: 100 });
  }

  /** Answers a custom deployment protection rule: a state decides, a comment alone reports progress. */
  reviewProtectionRule(runId: number, body: { environment_name: string; comment: string; state?: "approved" | "rejected" }) {
    return this.call("POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule", { run_id: runId, ...body });
  }

  /** Workflow runs of a commit still waiting (on reviewers or protection rules). */
  async waitingRuns(sha: string): Promise<Array<{ id: number }>> {
    const data = await this.call<{ workflow_runs: Array<{ id: number }> }>("GET /repos/{owner}/{repo}/actions/runs", { head_sha: sha, status: "waiting", per_page: 20 });
    return data.workflow_runs;
  }

  /** The environments a waiting run waits on. */
  async pendingEnvironments(runId: number): Promise<string[]> {
    const data = await this.call<Array<{ environment: { name?: string } }>>("GET /repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments", { run_id: runId });
    return data.map((d) => d.environment.name ?? "").filter(Boolean);
  }

  /** One GraphQL request (counted like every other). */
  async graphql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    this.requests++;
    return this.octokit.graphql<T>(query, { ...this.repo, ...variables });
  }

  /** Releases, drafts included (for a token with push access), newest first. */
  listReleases(): Promise<Release[]> {
    return this.call<Release[]>("GET /repos/{owner}/{repo}/releases", { per_page: 100 });
  }

  /** Fails with 422 `already_exists` when the tag has a release: the step that keeps concurrent runs to one. */
  createRelease(release: { tag_name: string; target_commitish: string; name: string; body: string; draft: boolean }): Promise<Release> {
    return this.call<Release>("POST /repos/{owner}/{repo}/releases", { ...release, request: NO_BLIND_RETRY });
  }

  /** Deletes a release (never its tag): a duplicate draft that lost a race. */
  async deleteRelease(id: number): Promise<void> {
    await this.call("DELETE /repos/{owner}/{repo}/releases/{release_id}", { release_id: id });
  }

  updateRelease(id: number, changes: { name: string; body: string }): Promise<Release> {
    return this.call<Release>("PATCH /repos/{owner}/{repo}/releases/{release_id}", { release_id: id, ...changes });
  }

  createCheckRun(checkRun: NewCheckRun): Promise<CheckRun> {
    return this.call<CheckRun>("POST /repos/{owner}/{repo}/check-runs", { ...checkRun, request: NO_BLIND_RETRY });
  }
}
