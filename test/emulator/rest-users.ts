import { descriptionExample } from "./shapes.js";
import { actorOf, notFound, page, type EmulatorContext, type Handler } from "./context.js";
import type { Account, Repository } from "./state.js";

/**
 * What a user's token reads (the dashboard's "Sign in with GitHub"): the user, the app's
 * installations the user can reach, and, in one, the repositories the user can read. GitHub's
 * rule: a private repository appears only to its collaborators (and its owner).
 */
export function userHandlers(ctx: EmulatorContext, app: { appId: number; slug: string; installationId: number }): Record<string, Handler> {
  const { state, shapes } = ctx;
  const readable = (user: Account) => [...state.repos.values()].filter((r) => !r.private || r.owner.login === user.login || r.collaborators.has(user.login)).sort((a, b) => a.id - b.id);
  const installation = (owner: Account) => ({
    ...descriptionExample("apps/get-installation"),
    id: app.installationId,
    app_id: app.appId,
    app_slug: app.slug,
    target_id: owner.id,
    target_type: owner.type === "Bot" ? "User" : "Organization",
    account: shapes.user(owner),
    repository_selection: "all",
  });
  const userToken = (user: Account, res: Parameters<Handler>[2]) => {
    // Installation tokens are no user's: GitHub answers these routes 403 for them.
    if (user.type === "Bot") {
      res.status(403).json({ message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest" });
      return false;
    }
    return true;
  };
  return {
    "users/get-authenticated": (_c, req, res) => {
      const user = actorOf(ctx, req);
      if (!userToken(user, res)) return;
      return { status: 200, json: { ...descriptionExample("users/get-authenticated"), ...shapes.user(user), name: user.login, email: null } };
    },
    "apps/list-installations-for-authenticated-user": (c, req, res) => {
      const user = actorOf(ctx, req);
      if (!userToken(user, res)) return;
      // One installation of the app per repository owner the user can reach.
      const owners = [...new Map(readable(user).map((r: Repository) => [r.owner.login, r.owner])).values()];
      const installations = owners.slice(0, 1).map(installation);
      return { status: 200, json: { total_count: installations.length, installations: page(installations, c.request.query) } };
    },
    "apps/list-installation-repos-for-authenticated-user": (c, req, res) => {
      const user = actorOf(ctx, req);
      if (!userToken(user, res)) return;
      if (Number(c.request.params.installation_id) !== app.installationId) return notFound(res);
      const repos = readable(user);
      if (repos.length === 0) return notFound(res);
      return { status: 200, json: { total_count: repos.length, repository_selection: "all", repositories: page(repos, c.request.query).map((r) => shapes.repository(r)) } };
    },
  };
}
