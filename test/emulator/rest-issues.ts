import { actorOf, notFound, page, repoOf, type EmulatorContext, type Handler } from "./context.js";
import type { IssueComment, Release } from "./state.js";

/** Pull requests, comments, reactions, collaborator permissions and releases. */
export function issueHandlers(ctx: EmulatorContext): Record<string, Handler> {
  const { state, shapes, notify } = ctx;
  return {
    "repos/get-collaborator-permission-level": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const login = c.request.params.username ?? "";
      const account = state.accounts.get(login);
      if (!account) return notFound(res);
      // Public repositories give everyone read; `permission` folds maintain into write and triage into read.
      const role = state.role(repo, login) ?? (repo.private ? "none" : "read");
      const permission = role === "maintain" ? "write" : role === "triage" ? "read" : role;
      return { status: 200, json: { permission, role_name: role, user: { ...shapes.user(account), role_name: role } } };
    },

    "pulls/get": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      const pr = repo?.pulls.get(Number(c.request.params.pull_number));
      if (!repo) return;
      if (!pr) return notFound(res);
      return { status: 200, json: shapes.pull(repo, pr) };
    },

    "pulls/list-commits": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      const pr = repo?.pulls.get(Number(c.request.params.pull_number));
      if (!repo) return;
      if (!pr) return notFound(res);
      const base = new Set(state.history(repo, pr.base.sha).map((x) => x.sha));
      const commits = state.history(repo, pr.head.sha).filter((x) => !base.has(x.sha)).reverse();
      return { status: 200, json: page(commits, c.request.query).map((x) => shapes.commit(repo, x)) };
    },

    "repos/list-pull-requests-associated-with-commit": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const sha = c.request.params.commit_sha ?? "";
      const pulls = [...repo.pulls.values()].filter((pr) => pr.merge_commit_sha === sha || state.history(repo, pr.head.sha).some((x) => x.sha === sha));
      return { status: 200, json: pulls.map((pr) => shapes.pull(repo, pr)) };
    },

    "issues/list-comments": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const number = Number(c.request.params.issue_number);
      const comments = [...repo.comments.values()].filter((x) => x.issue_number === number).sort((a, b) => a.id - b.id);
      return { status: 200, json: page(comments, c.request.query).map((x) => shapes.comment(repo, x)) };
    },

    "issues/create-comment": (c, req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const number = Number(c.request.params.issue_number);
      if (!repo.pulls.has(number)) return notFound(res);
      const now = state.timestamp();
      const comment: IssueComment = { id: state.id(), issue_number: number, user: actorOf(ctx, req), body: c.request.requestBody.body, created_at: now, updated_at: now, reactions: [] };
      repo.comments.set(comment.id, comment);
      notify("issue_comment.created", repo, { issue: ctx.issueOf(repo, repo.pulls.get(number)!), comment: shapes.comment(repo, comment) }, comment.user);
      return { status: 201, json: shapes.comment(repo, comment) };
    },

    "issues/update-comment": (c, req, res) => {
      const repo = repoOf(ctx, c, res);
      const comment = repo?.comments.get(Number(c.request.params.comment_id));
      if (!repo) return;
      if (!comment) return notFound(res);
      const from = comment.body;
      comment.body = c.request.requestBody.body;
      comment.updated_at = state.timestamp();
      notify("issue_comment.edited", repo, { issue: ctx.issueOf(repo, repo.pulls.get(comment.issue_number)!), comment: shapes.comment(repo, comment), changes: { body: { from } } }, actorOf(ctx, req));
      return { status: 200, json: shapes.comment(repo, comment) };
    },

    "reactions/create-for-issue-comment": (c, req, res) => {
      const repo = repoOf(ctx, c, res);
      const comment = repo?.comments.get(Number(c.request.params.comment_id));
      if (!repo) return;
      if (!comment) return notFound(res);
      const user = actorOf(ctx, req);
      const content = c.request.requestBody.content as string;
      const existing = comment.reactions.find((r) => r.user.login === user.login && r.content === content);
      const reaction = existing ?? { id: state.id(), content, user };
      if (!existing) comment.reactions.push(reaction);
      const json = { id: reaction.id, node_id: Buffer.from(`Reaction${reaction.id}`).toString("base64"), user: shapes.user(user), content, created_at: comment.updated_at };
      // GitHub answers 200 for a reaction that already exists, 201 for a new one.
      return { status: existing ? 200 : 201, json };
    },

    "repos/list-releases": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const releases = [...repo.releases.values()].sort((a, b) => b.id - a.id);
      return { status: 200, json: page(releases, c.request.query).map((r) => shapes.release(repo, r)) };
    },

    "repos/get-release-by-tag": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      // GitHub answers only published releases here: a draft holds no tag.
      const release = [...repo.releases.values()].find((r) => r.tag_name === c.request.params.tag && !r.draft);
      if (!release) return notFound(res);
      return { status: 200, json: shapes.release(repo, release) };
    },

    "repos/create-release": (c, req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const body = c.request.requestBody;
      // A tag has at most one published release; drafts hold no tag, and several may share one.
      if (!body.draft && [...repo.releases.values()].some((r) => r.tag_name === body.tag_name && !r.draft)) {
        res.status(422).json({ message: "Validation Failed", errors: [{ resource: "Release", code: "already_exists", field: "tag_name" }] });
        return;
      }
      const target = state.resolve(repo, body.target_commitish ?? repo.default_branch);
      if (!target) return notFound(res);
      if (!body.draft && !repo.refs.has(`refs/tags/${body.tag_name}`)) repo.refs.set(`refs/tags/${body.tag_name}`, target.sha);
      const now = state.timestamp();
      const release: Release = { id: state.id(), tag_name: body.tag_name, target_commitish: body.target_commitish ?? repo.default_branch, name: body.name ?? body.tag_name, body: body.body ?? "", draft: body.draft ?? false, prerelease: body.prerelease ?? false, author: actorOf(ctx, req), created_at: now, published_at: body.draft ? null : now };
      repo.releases.set(release.id, release);
      notify("release.created", repo, { release: shapes.release(repo, release) }, release.author);
      return { status: 201, json: shapes.release(repo, release) };
    },

    "repos/delete-release": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      if (!repo.releases.delete(Number(c.request.params.release_id))) return notFound(res);
      res.status(204).end();
    },

    "repos/update-release": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      const release = repo?.releases.get(Number(c.request.params.release_id));
      if (!repo) return;
      if (!release) return notFound(res);
      const body = c.request.requestBody;
      for (const key of ["tag_name", "target_commitish", "name", "body", "draft", "prerelease"] as const) if (body[key] !== undefined) (release as any)[key] = body[key];
      if (!release.draft && !release.published_at) release.published_at = state.timestamp();
      return { status: 200, json: shapes.release(repo, release) };
    },
  };
}
