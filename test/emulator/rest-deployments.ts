import { latestStatuses } from "./rest-checks.js";
import { actorOf, notFound, page, repoOf, unprocessable, type EmulatorContext, type Handler } from "./context.js";
import type { Deployment, Repository } from "./state.js";

function isAncestor(ctx: EmulatorContext, repo: Repository, ancestor: string, of: string): boolean {
  return ctx.state.history(repo, of).some((c) => c.sha === ancestor);
}

/** Deployments and deployment statuses, with GitHub's rules for refs, defaults and `auto_inactive`. */
export function deploymentHandlers(ctx: EmulatorContext): Record<string, Handler> {
  const { state, shapes, notify } = ctx;

  const addStatus = (repo: Repository, d: Deployment, fields: { state: string; description?: string; environment_url?: string; log_url?: string }, creator = d.creator) => {
    const status = {
      id: state.id(),
      state: fields.state,
      description: fields.description ?? "",
      environment_url: fields.environment_url ?? "",
      log_url: fields.log_url ?? "",
      creator,
      created_at: state.timestamp(),
    };
    d.statuses.unshift(status);
    d.updated_at = status.created_at;
    notify("deployment_status.created", repo, { deployment: shapes.deployment(repo, d), deployment_status: shapes.deploymentStatus(repo, d, status) }, creator);
    return status;
  };

  return {
    "repos/list-deployments": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const q = c.request.query;
      const matches = [...repo.deployments.values()]
        .filter((d) => (!q.sha || d.sha === q.sha) && (!q.ref || d.ref === q.ref) && (!q.task || d.task === q.task) && (!q.environment || d.environment === q.environment))
        .sort((a, b) => b.id - a.id);
      return { status: 200, json: page(matches, q).map((d) => shapes.deployment(repo, d)) };
    },

    "repos/get-deployment": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      const d = repo?.deployments.get(Number(c.request.params.deployment_id));
      if (!repo) return;
      if (!d) return notFound(res);
      return { status: 200, json: shapes.deployment(repo, d) };
    },

    "repos/create-deployment": (c, req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const body = c.request.requestBody;
      const commit = state.resolve(repo, body.ref);
      if (!commit) return unprocessable(res, `No ref found for: ${body.ref}`);
      const isBranch = repo.refs.has(`refs/heads/${body.ref}`);
      const defaultHead = repo.refs.get(`refs/heads/${repo.default_branch}`);
      // GitHub merges the default branch into a stale branch unless auto_merge is false.
      if (body.auto_merge !== false && isBranch && body.ref !== repo.default_branch && defaultHead && !isAncestor(ctx, repo, defaultHead, commit.sha)) {
        res.status(202).json({ message: `Auto-merged ${repo.default_branch} into ${body.ref} on deployment.` });
        return;
      }
      // Without `required_contexts`, GitHub checks every context of the commit (commit statuses and
      // check runs, the newest of each) and refuses with 409 unless all succeeded.
      if (!Array.isArray(body.required_contexts) || body.required_contexts.length > 0) {
        const required: string[] | null = Array.isArray(body.required_contexts) ? body.required_contexts : null;
        const latestRuns = new Map<string, { conclusion: string | null }>();
        for (const run of [...repo.checkRuns.values()].filter((r) => r.head_sha === commit.sha).sort((a, b) => a.id - b.id)) latestRuns.set(run.name, run);
        const contexts = new Map<string, boolean>([
          ...latestStatuses(repo, commit.sha).map((s) => [s.context, s.state === "success"] as const),
          ...[...latestRuns].map(([name, run]) => [name, run.conclusion === "success" || run.conclusion === "neutral" || run.conclusion === "skipped"] as const),
        ]);
        const failing = [...(required ?? contexts.keys())].filter((context) => contexts.get(context) !== true);
        if (failing.length > 0) {
          res.status(409).json({ message: `Conflict: Commit status checks failed for ${body.ref}.`, errors: [{ contexts: failing.map((context) => ({ context, state: contexts.has(context) ? "failure" : "missing" })), resource: "Deployment", field: "required_contexts", code: "invalid" }], documentation_url: "https://docs.github.com/rest/deployments/deployments#create-a-deployment" });
          return;
        }
      }
      const environment = body.environment ?? "production";
      const now = state.timestamp();
      const payload = typeof body.payload === "string" ? (body.payload === "" ? {} : JSON.parse(body.payload)) : (body.payload ?? {});
      const d: Deployment = {
        id: state.id(),
        sha: commit.sha,
        ref: body.ref,
        task: body.task ?? "deploy",
        environment,
        original_environment: environment,
        payload,
        description: body.description ?? "",
        production_environment: body.production_environment ?? environment === "production",
        transient_environment: body.transient_environment ?? false,
        creator: actorOf(ctx, req),
        created_at: now,
        updated_at: now,
        statuses: [],
      };
      repo.deployments.set(d.id, d);
      notify("deployment.created", repo, { deployment: shapes.deployment(repo, d) }, d.creator);
      return { status: 201, json: shapes.deployment(repo, d) };
    },

    "repos/list-deployment-statuses": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      const d = repo?.deployments.get(Number(c.request.params.deployment_id));
      if (!repo) return;
      if (!d) return notFound(res);
      // Sent as is: GitHub answers `""` for unset URLs, which the description's `format: uri` rejects.
      res.status(200).json(page(d.statuses, c.request.query).map((s) => shapes.deploymentStatus(repo, d, s)));
    },

    "repos/create-deployment-status": (c, req, res) => {
      const repo = repoOf(ctx, c, res);
      const d = repo?.deployments.get(Number(c.request.params.deployment_id));
      if (!repo) return;
      if (!d) return notFound(res);
      const body = c.request.requestBody;
      if ((body.description ?? "").length > 140) return unprocessable(res, "Validation Failed", [{ resource: "DeploymentStatus", field: "description", code: "custom", message: "description is too long (maximum is 140 characters)" }]);
      const status = addStatus(repo, d, { ...body, log_url: body.log_url ?? body.target_url }, actorOf(ctx, req));
      // GitHub's auto_inactive: earlier successful, non-transient, non-production deployments
      // of the same environment become inactive when this one succeeds.
      if (body.state === "success" && body.auto_inactive !== false) {
        for (const other of repo.deployments.values()) {
          if (other.id >= d.id || other.environment !== d.environment || other.transient_environment || other.production_environment) continue;
          if (other.statuses[0]?.state === "success") addStatus(repo, other, { state: "inactive", description: `Superseded by deployment ${d.id}` }, status.creator);
        }
      }
      res.status(201).json(shapes.deploymentStatus(repo, d, status));
    },
  };
}
