import { actorOf, notFound, repoOf, unprocessable, type EmulatorContext, type Handler } from "./context.js";
import { descriptionExample } from "./shapes.js";
import type { CheckRun, Repository } from "./state.js";

/** The latest status of each context on a commit. */
export function latestStatuses(repo: Repository, sha: string): Repository["statuses"] {
  const byContext = new Map<string, Repository["statuses"][number]>();
  for (const s of repo.statuses) if (s.sha === sha) byContext.set(s.context, s);
  return [...byContext.values()];
}

function statusShape(s: Repository["statuses"][number]) {
  return {
    ...descriptionExample("repos/create-commit-status"),
    id: s.id,
    node_id: Buffer.from(`StatusContext${s.id}`).toString("base64"),
    state: s.state,
    context: s.context,
    description: s.description,
    target_url: s.target_url,
    created_at: s.created_at,
    updated_at: s.created_at,
  };
}

/** Check runs: created and updated by apps, listed per commit with GitHub's filters. */
export function checkHandlers(ctx: EmulatorContext): Record<string, Handler> {
  const { state, shapes, notify } = ctx;
  return {
    "checks/create": (c, req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const body = c.request.requestBody;
      const commit = state.resolve(repo, body.head_sha);
      if (!commit || commit.sha !== body.head_sha) {
        res.status(422).json({ message: "No commit found for SHA: " + body.head_sha });
        return;
      }
      const now = state.timestamp();
      const status = body.conclusion ? "completed" : (body.status ?? "queued");
      const run: CheckRun = {
        id: state.id(),
        name: body.name,
        head_sha: commit.sha,
        status,
        conclusion: body.conclusion ?? null,
        external_id: body.external_id ?? "",
        details_url: body.details_url ?? null,
        started_at: body.started_at ?? now,
        completed_at: status === "completed" ? (body.completed_at ?? now) : null,
        output: { title: body.output?.title ?? null, summary: body.output?.summary ?? null, text: body.output?.text ?? null },
        actions: body.actions ?? [],
        annotations: [...(body.output?.annotations ?? [])],
        app: actorOf(ctx, req),
      };
      repo.checkRuns.set(run.id, run);
      notify("check_run.created", repo, { check_run: shapes.checkRun(repo, run) }, run.app);
      if (status === "completed") notify("check_run.completed", repo, { check_run: shapes.checkRun(repo, run) }, run.app);
      return { status: 201, json: shapes.checkRun(repo, run) };
    },

    "checks/update": (c, req, res) => {
      const repo = repoOf(ctx, c, res);
      const run = repo?.checkRuns.get(Number(c.request.params.check_run_id));
      if (!repo) return;
      if (!run) return notFound(res);
      // Only the app that made a check run may change it (GitHub's 403 names the caller's app).
      const caller = actorOf(ctx, req);
      if (caller.login !== run.app.login) {
        res.status(403).json({ message: `Invalid app_id \`${caller.appId ?? caller.id}\` - check run can only be modified by the GitHub App that created it.`, documentation_url: "https://docs.github.com/rest/checks/runs#update-a-check-run", status: "403" });
        return;
      }
      const body = c.request.requestBody;
      const wasCompleted = run.status === "completed";
      if (body.name) run.name = body.name;
      if (body.details_url !== undefined) run.details_url = body.details_url;
      if (body.external_id !== undefined) run.external_id = body.external_id;
      if (body.conclusion) {
        run.conclusion = body.conclusion;
        run.status = "completed";
      } else if (body.status) run.status = body.status;
      if (run.status === "completed" && !run.completed_at) run.completed_at = body.completed_at ?? state.timestamp();
      if (body.output) run.output = { title: body.output.title ?? run.output.title, summary: body.output.summary ?? run.output.summary, text: body.output.text ?? run.output.text };
      if (body.actions) run.actions = body.actions;
      if (body.output?.annotations) run.annotations.push(...body.output.annotations);
      if (!wasCompleted && run.status === "completed") notify("check_run.completed", repo, { check_run: shapes.checkRun(repo, run) }, actorOf(ctx, req));
      return { status: 200, json: shapes.checkRun(repo, run) };
    },

    "checks/get": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      const run = repo?.checkRuns.get(Number(c.request.params.check_run_id));
      if (!repo) return;
      if (!run) return notFound(res);
      return { status: 200, json: shapes.checkRun(repo, run) };
    },

    "repos/create-commit-status": (c, req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const sha = c.request.params.sha ?? "";
      if (!repo.commits.has(sha)) return unprocessable(res, `No commit found for SHA: ${sha}`);
      const body = c.request.requestBody;
      const status = { id: state.id(), sha, state: body.state, context: body.context ?? "default", description: body.description ?? null, target_url: body.target_url ?? null, creator: actorOf(ctx, req), created_at: state.timestamp() };
      repo.statuses.push(status);
      const json = statusShape(status);
      notify("status", repo, { sha, state: status.state, context: status.context, description: status.description, target_url: status.target_url, id: status.id }, status.creator);
      return { status: 201, json };
    },

    "repos/list-commit-statuses-for-ref": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const commit = state.resolve(repo, c.request.params.ref ?? "");
      if (!commit) return notFound(res);
      return { status: 200, json: repo.statuses.filter((s) => s.sha === commit.sha).reverse().map(statusShape) };
    },

    "repos/get-combined-status-for-ref": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const commit = state.resolve(repo, c.request.params.ref ?? "");
      if (!commit) return notFound(res);
      const latest = latestStatuses(repo, commit.sha);
      // GitHub's combination: failure or error wins, then pending (or nothing), else success.
      const combined = latest.some((s) => s.state === "failure" || s.state === "error") ? "failure" : latest.length === 0 || latest.some((s) => s.state === "pending") ? "pending" : "success";
      return {
        status: 200,
        json: { ...descriptionExample("repos/get-combined-status-for-ref"), state: combined, sha: commit.sha, total_count: latest.length, statuses: latest.map(statusShape), repository: shapes.repository(repo) },
      };
    },

    "checks/list-for-ref": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const commit = state.resolve(repo, c.request.params.ref ?? "");
      if (!commit) return notFound(res);
      const q = c.request.query;
      let runs = [...repo.checkRuns.values()].filter(
        (r) => r.head_sha === commit.sha && (!q.check_name || r.name === q.check_name) && (!q.status || r.status === q.status) && (!q.app_id || r.app.appId === Number(q.app_id)),
      );
      // filter=latest (the default): only the most recent run of each name.
      if (q.filter !== "all") runs = runs.filter((r) => !runs.some((o) => o.name === r.name && o.id > r.id));
      runs.sort((a, b) => b.id - a.id);
      return { status: 200, json: { total_count: runs.length, check_runs: runs.map((r) => shapes.checkRun(repo, r)) } };
    },
  };
}
