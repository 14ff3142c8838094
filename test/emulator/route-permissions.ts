/**
 * What an installation token needs for each REST route and GraphQL field the emulator serves.
 *
 * Source: GitHub's docs page "Permissions required for GitHub Apps"
 * (docs.github.com/en/rest/authentication/permissions-required-for-github-apps), and the
 * "Fine-grained access tokens" section of each endpoint's reference page, which names the
 * same permission; "creating custom deployment protection rules" for the protection-rule
 * callback (Actions read, Deployments write). Keys are the manifest's permission names
 * (`default_permissions` in app.yml). A requirement with several entries is met by any one
 * of them (GitHub lists issue comments under both "Issues" and "Pull requests").
 */
export type Level = "read" | "write";
export type Requirement = ReadonlyArray<readonly [permission: string, level: Level]>;

const read = (...permissions: string[]): Requirement => permissions.map((p) => [p, "read"] as const);
const write = (...permissions: string[]): Requirement => permissions.map((p) => [p, "write"] as const);

/** `METHOD /path/{param}` as GitHub's REST description writes it -> what the token needs. */
export const ROUTE_PERMISSIONS: Record<string, Requirement> = {
  "GET /repos/{owner}/{repo}": read("metadata"),
  "GET /repos/{owner}/{repo}/collaborators/{username}/permission": read("metadata"),

  "GET /repos/{owner}/{repo}/contents/{path}": read("contents"),
  "GET /repos/{owner}/{repo}/commits": read("contents"),
  "GET /repos/{owner}/{repo}/commits/{ref}": read("contents"),
  "GET /repos/{owner}/{repo}/compare/{basehead}": read("contents"),
  "GET /repos/{owner}/{repo}/git/ref/{ref}": read("contents"),
  "GET /repos/{owner}/{repo}/git/matching-refs/{ref}": read("contents"),
  "POST /repos/{owner}/{repo}/git/refs": write("contents"),
  "PATCH /repos/{owner}/{repo}/git/refs/{ref}": write("contents"),
  "DELETE /repos/{owner}/{repo}/git/refs/{ref}": write("contents"),
  "POST /repos/{owner}/{repo}/git/commits": write("contents"),
  "GET /repos/{owner}/{repo}/releases": read("contents"),
  "GET /repos/{owner}/{repo}/releases/{release_id}": read("contents"),
  "GET /repos/{owner}/{repo}/releases/tags/{tag}": read("contents"),
  "POST /repos/{owner}/{repo}/releases": write("contents"),
  "PATCH /repos/{owner}/{repo}/releases/{release_id}": write("contents"),
  "DELETE /repos/{owner}/{repo}/releases/{release_id}": write("contents"),

  "GET /repos/{owner}/{repo}/deployments": read("deployments"),
  "GET /repos/{owner}/{repo}/deployments/{deployment_id}": read("deployments"),
  "GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses": read("deployments"),
  "POST /repos/{owner}/{repo}/deployments": write("deployments"),
  "POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses": write("deployments"),

  "GET /repos/{owner}/{repo}/check-runs/{check_run_id}": read("checks"),
  "GET /repos/{owner}/{repo}/commits/{ref}/check-runs": read("checks"),
  "POST /repos/{owner}/{repo}/check-runs": write("checks"),
  "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}": write("checks"),

  "GET /repos/{owner}/{repo}/commits/{ref}/statuses": read("statuses"),
  "GET /repos/{owner}/{repo}/commits/{ref}/status": read("statuses"),
  "POST /repos/{owner}/{repo}/statuses/{sha}": write("statuses"),

  // A user's own token (the dashboard's "Sign in with GitHub"): no app permission is needed.
  // GitHub's docs: "This endpoint works with GitHub App user access tokens"; it lists the
  // installations and repositories the user can reach.
  "GET /user": [],
  "GET /user/installations": [],
  "GET /user/installations/{installation_id}/repositories": [],

  // An organisation permission: "Members" (Permissions required for GitHub Apps → Organization permissions for "Members").
  "GET /orgs/{org}/teams/{team_slug}/memberships/{username}": read("members"),

  "GET /repos/{owner}/{repo}/pulls/{pull_number}": read("pull_requests"),
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/commits": read("pull_requests"),
  "GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls": read("pull_requests"),

  "GET /repos/{owner}/{repo}/issues/{issue_number}/comments": read("issues", "pull_requests"),
  "POST /repos/{owner}/{repo}/issues/{issue_number}/comments": write("issues", "pull_requests"),
  "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}": write("issues", "pull_requests"),
  "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": write("issues", "pull_requests"),

  "GET /repos/{owner}/{repo}/actions/runs": read("actions"),
  "GET /repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments": read("actions"),
  "POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule": write("deployments"),
};

/**
 * GraphQL: `Type.field` -> what the token needs to read it. A field not listed needs only
 * what its parent needed (a commit's `message` is read with the commit).
 */
export const GRAPHQL_FIELD_PERMISSIONS: Record<string, Requirement> = {
  "Query.repository": read("metadata"),
  "Repository.defaultBranchRef": read("contents"),
  "Repository.ref": read("contents"),
  "Repository.refs": read("contents"),
  "Repository.object": read("contents"),
  "Commit.history": read("contents"),
  "Repository.deployments": read("deployments"),
  "Repository.environments": read("deployments"),
  "Repository.pullRequest": read("pull_requests"),
  "Repository.pullRequests": read("pull_requests"),
  "Commit.associatedPullRequests": read("pull_requests"),
  "PullRequest.comments": read("issues", "pull_requests"),
  // The rollup holds both kinds of checks: check runs (Checks) and commit statuses (Commit statuses).
  "Commit.statusCheckRollup": read("checks"),
  "StatusCheckRollup.contexts": read("statuses"),
  "Commit.status": read("statuses"),
  "Commit.checkSuites": read("checks"),
  "Query.search": read("issues", "pull_requests"),
};
