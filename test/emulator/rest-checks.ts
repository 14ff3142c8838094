import { actorOf, notFound, repoOf, type EmulatorContext, type Handler } from "./context.js";
import type { CheckRun } from "./state.js";

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

    "checks/list-for-ref": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const commit = state.resolve(repo, c.request.params.ref ?? "");
      if (!commit) return notFound(res);
      const q = c.request.query;
      let runs = [...repo.checkRuns.values()].filter((r) => r.head_sha === commit.sha && (!q.check_name || r.name === q.check_name) && (!q.status || r.status === q.status));
      // filter=latest (the default): only the most recent run of each name.
      if (q.filter !== "all") runs = runs.filter((r) => !runs.some((o) => o.name === r.name && o.id > r.id));
      runs.sort((a, b) => b.id - a.id);
      return { status: 200, json: { total_count: runs.length, check_runs: runs.map((r) => shapes.checkRun(repo, r)) } };
    },
  };
}
