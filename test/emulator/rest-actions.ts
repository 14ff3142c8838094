import { actorOf, notFound, repoOf, unprocessable, type EmulatorContext, type Handler } from "./context.js";
import type { WebhookDeliverer } from "./webhooks.js";

/**
 * Workflow runs held by a custom deployment protection rule: listing the waiting ones, their
 * pending environments, and the app's review that resumes or rejects them.
 */
export function actionsHandlers(ctx: EmulatorContext, deliverer: WebhookDeliverer): Record<string, Handler> {
  const { state, shapes, notify } = ctx;
  const runShape = (run: { id: number; head_sha: string; status: string; conclusion: string | null }, repoUrl: string) => ({
    id: run.id,
    name: "deploy",
    head_sha: run.head_sha,
    status: run.status,
    conclusion: run.conclusion,
    event: "deployment",
    url: `${repoUrl}/actions/runs/${run.id}`,
  });
  return {
    // Sent as is: a workflow-run object has dozens of required fields the app never reads.
    "actions/list-workflow-runs-for-repo": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const q = c.request.query;
      const runs = [...repo.workflowRuns.values()].filter((r) => (!q.head_sha || r.head_sha === q.head_sha) && (!q.status || r.status === q.status));
      res.status(200).json({ total_count: runs.length, workflow_runs: runs.map((r) => runShape(r, shapes.repository(repo).url)) });
    },

    // Team membership (Members: read, an organisation permission): 404 for anyone not invited.
    "teams/get-membership-for-user-in-org": (c, _req, res) => {
      const { org, team_slug: slug, username } = c.request.params as Record<string, string>;
      const membership = state.teams.get(`${org}/${slug}`.toLowerCase())?.get(username ?? "");
      if (!membership) return notFound(res);
      res.status(200).json({ url: `https://api.github.com/organizations/1/team/1/memberships/${username}`, role: "member", state: membership });
    },

    "actions/get-pending-deployments-for-run": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      const run = repo?.workflowRuns.get(Number(c.request.params.run_id));
      if (!repo) return;
      if (!run) return notFound(res);
      const pending = run.status === "waiting" ? [{ environment: { id: 1, node_id: "EN_1", name: run.environment, url: "", html_url: "" }, wait_timer: 0, wait_timer_started_at: null, current_user_can_approve: false, reviewers: [] }] : [];
      res.status(200).json(pending);
    },

    "actions/review-custom-gates-for-run": (c, req, res) => {
      const repo = repoOf(ctx, c, res);
      const run = repo?.workflowRuns.get(Number(c.request.params.run_id));
      if (!repo) return;
      if (!run) return notFound(res);
      // Only the app that is the environment's protection rule may answer it.
      if (actorOf(ctx, req).login !== ctx.protectionRuleApp) {
        res.status(403).json({ message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest/actions/workflow-runs#review-custom-deployment-protection-rules-for-a-workflow-run", status: "403" });
        return;
      }
      const body = c.request.requestBody as { environment_name: string; state?: string; comment?: string };
      if (body.environment_name !== run.environment) return unprocessable(res, `The run does not wait on ${body.environment_name}`);
      if (run.status !== "waiting") return unprocessable(res, "No pending deployment protection rule for this run");
      run.reviews.push({ ...(body.state ? { state: body.state } : {}), comment: body.comment ?? "" });
      if (body.state === "approved") {
        run.status = "in_progress";
        deliverer.schedule(async () => {
          await run.resume();
          run.status = "completed";
        });
      } else if (body.state === "rejected") {
        Object.assign(run, { status: "completed", conclusion: "failure" });
        // GitHub fails the job; its deployment ends in failure.
        const d = repo.deployments.get(run.deploymentId);
        if (d) {
          const status = { id: state.id(), state: "failure", description: "Rejected by a deployment protection rule", environment_url: "", log_url: "", creator: state.account("github-actions[bot]"), created_at: state.timestamp() };
          d.statuses.unshift(status);
          notify("deployment_status.created", repo, { deployment: shapes.deployment(repo, d), deployment_status: shapes.deploymentStatus(repo, d, status) }, status.creator);
        }
      }
      res.status(204).end();
    },
  };
}
