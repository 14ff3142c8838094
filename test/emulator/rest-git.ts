import { descriptionExample } from "./shapes.js";
import { EMPTY_TREE } from "../../shared/locks/lock.js";
import { actorOf, notFound, page, repoOf, unprocessable, type EmulatorContext, type Handler } from "./context.js";

/** Repository, contents, commits, comparisons and git refs (locks live in refs). */
export function gitHandlers(ctx: EmulatorContext): Record<string, Handler> {
  const { state, shapes } = ctx;
  return {
    "repos/get": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      return { status: 200, json: shapes.repository(repo) };
    },

    "repos/get-content": (c, req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const ref = (c.request.query.ref as string | undefined) ?? repo.default_branch;
      const commit = state.resolve(repo, ref);
      if (!commit) return notFound(res);
      const path = decodeURIComponent(c.request.params.path ?? "");
      const content = commit.files.get(path);
      if (content === undefined) return notFound(res);
      // `Accept: application/vnd.github.raw` (Probot's config loader asks for it) gets the bytes.
      if (/\.raw\b|vnd\.github\.raw/.test(String(req.headers.accept ?? ""))) {
        res.status(200).type("application/vnd.github.raw; charset=utf-8").send(content);
        return;
      }
      const sha = state.id().toString(16).padStart(40, "0");
      const base = `${shapes.repository(repo).url}/contents/${path}`;
      return {
        status: 200,
        json: {
          type: "file",
          encoding: "base64",
          size: Buffer.byteLength(content),
          name: path.split("/").pop(),
          path,
          content: Buffer.from(content).toString("base64"),
          sha,
          url: `${base}?ref=${ref}`,
          git_url: null,
          html_url: null,
          download_url: null,
          _links: { self: `${base}?ref=${ref}`, git: null, html: null },
        },
      };
    },

    "repos/get-commit": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const commit = state.resolve(repo, c.request.params.ref ?? "");
      if (!commit) return unprocessable(res, `No commit found for SHA: ${c.request.params.ref}`);
      return { status: 200, json: shapes.commit(repo, commit) };
    },

    "repos/list-commits": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const head = state.resolve(repo, (c.request.query.sha as string | undefined) ?? repo.default_branch);
      if (!head) return notFound(res);
      return { status: 200, json: page(state.history(repo, head.sha), c.request.query).map((commit) => shapes.commit(repo, commit)) };
    },

    "repos/compare-commits": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const [baseRef = "", headRef = ""] = (c.request.params.basehead ?? "").split("...");
      const base = state.resolve(repo, baseRef);
      const head = state.resolve(repo, headRef);
      if (!base || !head) return notFound(res);
      const fromHead = state.history(repo, head.sha);
      const fromBase = new Set(state.history(repo, base.sha).map((x) => x.sha));
      const ahead = fromHead.filter((x) => !fromBase.has(x.sha)).reverse();
      const headSet = new Set(fromHead.map((x) => x.sha));
      const behind = [...fromBase].filter((sha) => !headSet.has(sha)).length;
      const status = ahead.length === 0 && behind === 0 ? "identical" : behind === 0 ? "ahead" : ahead.length === 0 ? "behind" : "diverged";
      const mergeBase = fromHead.find((x) => fromBase.has(x.sha)) ?? base;
      const mock = descriptionExample("repos/compare-commits");
      // Like GitHub, at most 250 commits per page of a comparison.
      const commits = page(ahead, { per_page: String(Math.min(Number(c.request.query.per_page ?? 250), 250)), page: c.request.query.page as string | undefined });
      return {
        status: 200,
        json: {
          ...mock,
          status,
          ahead_by: ahead.length,
          behind_by: behind,
          total_commits: ahead.length,
          base_commit: shapes.commit(repo, base),
          merge_base_commit: shapes.commit(repo, mergeBase),
          commits: commits.map((x) => shapes.commit(repo, x)),
          files: [],
        },
      };
    },

    "git/create-commit": (c, req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const { message, tree, parents = [] } = c.request.requestBody as { message: string; tree: string; parents?: string[] };
      // git's empty tree exists in every repository; other trees must be a commit's tree here.
      const files = tree === EMPTY_TREE ? new Map<string, string>() : repo.commits.get(tree)?.files;
      if (!files) return unprocessable(res, "Tree SHA does not exist");
      if (parents.some((p) => !repo.commits.has(p))) return unprocessable(res, "Parent SHA does not exist or is not a commit object");
      const commit = state.commit(repo, parents, message, actorOf(ctx, req), new Map(files));
      const author = { name: commit.author.login, email: `${commit.author.id}+${commit.author.login}@users.noreply.github.com`, date: commit.date };
      const url = `${shapes.repository(repo).url}/git/commits/${commit.sha}`;
      return {
        status: 201,
        json: { sha: commit.sha, node_id: Buffer.from(`Commit${commit.sha}`).toString("base64"), url, html_url: url, author, committer: author, message, tree: { sha: tree, url }, parents: parents.map((sha) => ({ sha, url, html_url: url })), verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null } },
      };
    },

    "git/get-ref": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const name = `refs/${decodeURIComponent(c.request.params.ref ?? "")}`;
      const sha = repo.refs.get(name);
      if (!sha) return notFound(res);
      return { status: 200, json: shapes.ref(repo, name, sha) };
    },

    "git/create-ref": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const { ref, sha } = c.request.requestBody as { ref: string; sha: string };
      if (!/^refs\/[^/]+\/.+/.test(ref)) return unprocessable(res, "Reference name must start with 'refs/' and have at least two slashes.");
      if (!repo.commits.has(sha)) return unprocessable(res, "Object does not exist");
      // Atomic: creating a ref that exists fails, which is what makes ref locks safe.
      if (repo.refs.has(ref)) return unprocessable(res, "Reference already exists");
      repo.refs.set(ref, sha);
      return { status: 201, json: shapes.ref(repo, ref, sha) };
    },

    "git/update-ref": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const name = `refs/${decodeURIComponent(c.request.params.ref ?? "")}`;
      const current = repo.refs.get(name);
      const { sha, force } = c.request.requestBody as { sha: string; force?: boolean };
      if (!current) return unprocessable(res, "Reference does not exist");
      if (!repo.commits.has(sha)) return unprocessable(res, "Object does not exist");
      if (!force && !state.history(repo, sha).some((x) => x.sha === current)) return unprocessable(res, "Update is not a fast forward");
      repo.refs.set(name, sha);
      return { status: 200, json: shapes.ref(repo, name, sha) };
    },

    "git/delete-ref": (c, _req, res) => {
      const repo = repoOf(ctx, c, res);
      if (!repo) return;
      const name = `refs/${decodeURIComponent(c.request.params.ref ?? "")}`;
      if (!repo.refs.delete(name)) return unprocessable(res, "Reference does not exist");
      res.status(204).end();
    },
  };
}
