import { Octokit } from "@octokit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitHubGateway } from "../../shared/github/gateway.js";
import { DEFAULT_CATEGORIES, DEFAULT_EXCLUDE_LABELS } from "../../shared/config/release-notes-defaults.js";
import { writeReleaseNotes, type WriteNotesInput } from "../../shared/release-notes/publish.js";
import { startEmulator, type Emulator } from "../emulator/index.js";
import { expectContractKept } from "../helpers/loop.js";

const SETTINGS = { categories: DEFAULT_CATEGORIES, excludeLabels: DEFAULT_EXCLUDE_LABELS };

describe("release notes from what shipped, against the emulator", () => {
  let emulator: Emulator;
  let token = "";
  beforeAll(async () => {
    emulator = await startEmulator({ webhookSecret: "s", appId: 1 });
    token = emulator.workflowToken();
  });
  afterAll(async () => {
    expectContractKept(emulator);
    await emulator.close();
  });

  const gateway = (repository: string) => {
    const [owner, repo] = repository.split("/") as [string, string];
    return new GitHubGateway(new Octokit({ auth: token, baseUrl: emulator.apiUrl }), { owner, repo });
  };
  /** A deployment of `sha` that ended in `state` (GitHub keeps the statuses; Shipline reads them). */
  const deployed = async (repository: string, sha: string, state: "success" | "failure", environment = "production", task = "deploy") => {
    const d = emulator.scenario.createDeployment(repository, { sha, environment });
    if (task !== "deploy") emulator.state.repo(...(repository.split("/") as [string, string]))!.deployments.get(d.id)!.task = task;
    expect(await emulator.reportDeploymentStatus(repository, d.id, { state })).toBe(201);
    return d.id;
  };
  /** Writes the notes; `requests` is counted where GitHub would count them: in the emulator's log. */
  const write = (repository: string, sha: string, extra: Partial<WriteNotesInput> = {}) => {
    const github = gateway(repository);
    const before = emulator.requests.length;
    return writeReleaseNotes({ github, repository, serverUrl: "https://github.com", environment: "production", sha, from: null, deploymentId: null, maxCommits: 5000, settings: SETTINGS, publish: "release", dryRun: false, today: "2026-11-24", ...extra }).then((notes) => ({ notes, requests: emulator.requests.slice(before).length }));
  };
  /** Versions of repositories without semver tags: the deployed commit's date and short SHA. */
  const dated = (repository: string, sha: string) => `${emulator.state.repo(...(repository.split("/") as [string, string]))!.commits.get(sha)!.date.slice(0, 10)}-${sha.slice(0, 7)}`;
  const release = (repository: string, title: string, labels: string[] = [], author = "alice") => {
    const pr = emulator.scenario.openPullRequest(repository, { branch: title.replace(/\W+/g, "-").toLowerCase(), title, author, labels });
    return emulator.scenario.mergePullRequest(repository, pr.number, { by: "bob", method: "squash" }).sha;
  };

  it("writes the notes of 5,000 commits and 1,000 pull requests in at most 12 requests", async () => {
    const repo = "acme/big";
    emulator.scenario.createRepo(repo);
    const start = emulator.scenario.head(repo);
    emulator.state.repo("acme", "big")!.refs.set("refs/tags/v2.3.4", start);
    await deployed(repo, start, "success");
    const kinds = ["feat: add", "fix: repair", "docs: explain", "chore: bump", "perf: speed up"];
    emulator.scenario.generateHistory(repo, { commits: 5000, pulls: 1000, authors: ["alice", "bob", "carol", "dave"], describe: (i) => ({ title: `${kinds[i % kinds.length]} part ${i}` }) });
    const head = emulator.scenario.head(repo);
    const { notes, requests } = await write(repo, head);
    expect(notes.range.commits).toHaveLength(5000);
    expect(new Set(notes.range.commits.map((c) => c.pull?.number).filter(Boolean)).size).toBe(1000);
    expect(notes.version).toBe("v2.4.0");
    expect(notes.markdown).toContain(`Deployed to **production**: \`${start.slice(0, 7)}\`…\`${head.slice(0, 7)}\`, 5000 commits, 1000 pull requests.`);
    expect(notes.release.action).toBe("created");
    // range, 5 x 1,000 commits of history, newcomers, the release look-up and its create.
    expect(requests).toBeLessThanOrEqual(12);
    console.log(`release notes for 5,000 commits / 1,000 PRs: ${requests} requests`);
  }, 120_000);

  it("reads the history page by page with GitHub's own cursors if GitHub refuses cursors computed in advance", async () => {
    const repo = "acme/cursors";
    emulator.scenario.createRepo(repo);
    const start = emulator.scenario.head(repo);
    await deployed(repo, start, "success");
    emulator.scenario.generateHistory(repo, { commits: 250, pulls: 50, authors: ["alice"] });
    const head = emulator.scenario.head(repo);
    // A GitHub that takes back only the cursors it handed out: the batched query is refused.
    emulator.state.strictCursors = true;
    try {
      const { notes, requests } = await write(repo, head, { publish: "none" });
      expect(notes.range.commits).toHaveLength(250);
      expect(notes.range.from).toBe(start);
      // The range, the first page, the refused batch, two pages one by one, the newcomers.
      expect(requests).toBe(6);
      const refused = emulator.requests.findIndex((r) => r.rejectedByDescription?.includes("Argument 'after' on Field 'history' has an invalid value"));
      expect(refused).toBeGreaterThanOrEqual(0);
      // GitHub's refusal is the point here, not a defect of the app.
      emulator.requests.splice(refused, 1);
    } finally {
      emulator.state.strictCursors = false;
    }
  });

  it("answers pages of at most 100, with cursors and hasNextPage, as GitHub does", async () => {
    const repo = "acme/pages";
    emulator.scenario.createRepo(repo);
    emulator.scenario.generateHistory(repo, { commits: 150, pulls: 0, authors: ["alice"] });
    const github = gateway(repo);
    const history = /* GraphQL */ `query($owner: String!, $repo: String!, $first: Int!, $after: String) {
      repository(owner: $owner, name: $repo) { defaultBranchRef { target { ... on Commit { history(first: $first, after: $after) { nodes { oid } pageInfo { hasNextPage endCursor } } } } } }
    }`;
    const page = async (after: string | null, first = 100) => (await github.graphql<any>(history, { first, after })).repository.defaultBranchRef.target.history;
    const before = emulator.requests.length;
    await expect(page(null, 101)).rejects.toThrow("Requesting 101 records on the `history` connection exceeds the `first` limit of 100 records.");
    const first = await page(null);
    expect([first.nodes.length, first.pageInfo.hasNextPage]).toEqual([100, true]);
    const second = await page(first.pageInfo.endCursor);
    expect([second.nodes.length, second.pageInfo.hasNextPage]).toEqual([51, false]);
    expect(new Set([...first.nodes, ...second.nodes].map((n: { oid: string }) => n.oid)).size).toBe(151);
    // The refused request is GitHub's answer here, not a defect of the app.
    emulator.requests.splice(before, 1);
  });

  it("counts only this repository's pull requests: a fork's pull request holding the same commit is not it", async () => {
    const repo = "acme/upstream";
    emulator.scenario.createRepo(repo);
    const start = emulator.scenario.head(repo);
    await deployed(repo, start, "success");
    const head = release(repo, "fix: the upstream change");
    const number = [...emulator.state.repo("acme", "upstream")!.pulls.values()].at(-1)!.number;
    // A fork holds the same commit, and a pull request of its own with the same number.
    emulator.scenario.createRepo("mallory/upstream-fork");
    const fork = emulator.state.repo("mallory", "upstream-fork")!;
    const upstream = emulator.state.repo("acme", "upstream")!;
    fork.commits.set(head, upstream.commits.get(head)!);
    fork.pulls.set(number, { ...upstream.pulls.get(number)!, title: "feat!: the fork's own work", user: emulator.state.account("mallory") });
    const { notes } = await write(repo, head, { publish: "none" });
    expect(notes.range.commits.map((c) => c.pull?.title)).toEqual(["fix: the upstream change"]);
    expect(notes.markdown).not.toContain("fork's own work");
  });

  it("reads a pull request GitHub has not linked to its merge commit yet, by the number in the message (one request for all)", async () => {
    const repo = "acme/unlinked";
    emulator.scenario.createRepo(repo);
    await deployed(repo, emulator.scenario.head(repo), "success");
    const linkedHead = release(repo, "feat: linked already");
    const head = release(repo, "fix: just merged", ["bug"]);
    const pulls = [...emulator.state.repo("acme", "unlinked")!.pulls.values()];
    pulls.at(-1)!.linked = false;
    const { notes, requests } = await write(repo, head, { publish: "none" });
    expect(notes.range.commits.map((c) => [c.pull?.number, c.pull?.title])).toEqual([
      [pulls.at(-1)!.number, "fix: just merged"],
      [pulls.at(-2)!.number, "feat: linked already"],
    ]);
    expect(notes.markdown).toContain(`- just merged (#${pulls.at(-1)!.number}) by @alice`);
    // The range, the history, the unlinked pull requests, the newcomers.
    expect(requests).toBe(4);
    expect(linkedHead).toMatch(/^[0-9a-f]{40}$/);
  });

  it("keeps a commit whose message names an issue, not a pull request, as the commit it is", async () => {
    const repo = "acme/issue-ref";
    emulator.scenario.createRepo(repo);
    await deployed(repo, emulator.scenario.head(repo), "success");
    const head = emulator.scenario.push(repo, { message: "fix: the crash reported in (#999)", author: "alice" }).sha;
    const before = emulator.requests.length;
    const { notes } = await write(repo, head, { publish: "none" });
    expect(notes.range.commits.map((c) => c.pull)).toEqual([null]);
    expect(notes.markdown).toContain("the crash reported in (#999)");
    // GitHub's answer for #999 is an error on that field: expected here, not the app's defect.
    const refused = emulator.requests.slice(before).filter((r) => r.rejectedByDescription?.includes("Could not resolve to a PullRequest"));
    expect(refused).toHaveLength(1);
    emulator.requests.splice(emulator.requests.indexOf(refused[0]!), 1);
  });

  it("leaves one draft when two runs write the same version's draft at once (GitHub lets drafts share a tag)", async () => {
    const repo = "acme/drafts";
    emulator.scenario.createRepo(repo);
    const start = emulator.scenario.head(repo);
    await deployed(repo, start, "success");
    const head = release(repo, "feat: drafted twice");
    const [a, b] = await Promise.all([write(repo, head, { publish: "draft" }), write(repo, head, { publish: "draft" })]);
    const drafts = [...emulator.state.repo("acme", "drafts")!.releases.values()];
    expect(drafts.map((r) => [r.tag_name, r.draft])).toEqual([[a.notes.version, true]]);
    expect(b.notes.version).toBe(a.notes.version);
    // A draft holds no tag: GitHub's get-release-by-tag does not find it.
    const byTag = await fetch(`${emulator.apiUrl}/repos/${repo}/releases/tags/${a.notes.version}`, { headers: { authorization: `token ${token}` } });
    expect(byTag.status).toBe(404);
    emulator.requests.splice(emulator.requests.length - 1, 1);
    // Run again: the same draft is updated, not a third made.
    expect((await write(repo, head, { publish: "draft" })).notes.release.action).toBe("updated");
    expect(emulator.state.repo("acme", "drafts")!.releases.size).toBe(1);
  });

  describe("the range", () => {
    it("starts, on a first deployment, at the beginning of history, and says so", async () => {
      const repo = "acme/first";
      emulator.scenario.createRepo(repo);
      release(repo, "feat: the first feature");
      const head = release(repo, "fix: a first fix");
      const { notes } = await write(repo, head, { publish: "none" });
      expect(notes.range.from).toBeNull();
      expect(notes.markdown).toContain("First deployment of production: the whole history.");
      expect(notes.range.commits).toHaveLength(3);
      expect(notes.version).toBe(dated(repo, head));
    });

    it("skips a failed deployment: the range starts at the last one that succeeded", async () => {
      const repo = "acme/failed";
      emulator.scenario.createRepo(repo);
      const good = release(repo, "feat: shipped");
      await deployed(repo, good, "success");
      const bad = release(repo, "fix: broke it");
      await deployed(repo, bad, "failure");
      const head = release(repo, "fix: mend it");
      const { notes } = await write(repo, head, { publish: "none" });
      expect(notes.range.from).toBe(good);
      expect(notes.range.commits.map((c) => c.pull?.title)).toEqual(["fix: mend it", "fix: broke it"]);
    });

    it("after a rollback, starts at what the rollback put back", async () => {
      const repo = "acme/rolled";
      emulator.scenario.createRepo(repo);
      const first = release(repo, "feat: one");
      await deployed(repo, first, "success");
      const second = release(repo, "feat: two");
      await deployed(repo, second, "success");
      await deployed(repo, first, "success", "production", "deploy:rollback");
      const head = release(repo, "fix: two, fixed");
      const { notes } = await write(repo, head, { publish: "none" });
      expect(notes.range.from).toBe(first);
      expect(notes.markdown).toContain(`Since \`${first.slice(0, 7)}\`, the last successful deployment of production`);
      expect(notes.markdown).toContain("a rollback");
      expect(notes.range.commits.map((c) => c.pull?.title)).toEqual(["fix: two, fixed", "feat: two"]);
    });

    it("falls back to the latest release tag when the deployed commit was force-pushed away, and says so", async () => {
      const repo = "acme/forced";
      emulator.scenario.createRepo(repo);
      const tagged = release(repo, "feat: tagged");
      emulator.state.repo("acme", "forced")!.refs.set("refs/tags/v1.0.0", tagged);
      const gone = emulator.scenario.push(repo, { branch: "rewritten", message: "a commit no branch keeps", author: "alice" }).sha;
      await deployed(repo, gone, "success");
      const head = release(repo, "fix: after the tag");
      const { notes } = await write(repo, head, { publish: "none" });
      expect(notes.range.from).toBe(tagged);
      expect(notes.markdown).toContain(`\`${gone.slice(0, 7)}\` (where the range should start) is not in this commit's history (force-pushed away?): since the latest release tag v1.0.0 instead.`);
      expect(notes.version).toBe("v1.0.1");
    });

    it("takes a prerelease tag as the latest version (semver order), and bumps to its release", async () => {
      const repo = "acme/prerelease";
      emulator.scenario.createRepo(repo);
      const stable = release(repo, "feat: stable");
      emulator.state.repo("acme", "prerelease")!.refs.set("refs/tags/v1.1.0", stable);
      const candidate = release(repo, "feat: candidate");
      emulator.state.repo("acme", "prerelease")!.refs.set("refs/tags/v1.2.0-rc.1", candidate);
      emulator.state.repo("acme", "prerelease")!.refs.set("refs/tags/v1.2.0-beta.3", stable);
      const head = release(repo, "fix: after the candidate");
      const { notes } = await write(repo, head, { publish: "none" });
      expect(notes.range.from).toBe(candidate);
      expect(notes.version).toBe("v1.2.0");
    });

    it("starts at an explicit `from` (a tag) when one is given, and says so", async () => {
      const repo = "acme/from";
      emulator.scenario.createRepo(repo);
      const tagged = release(repo, "feat: tagged");
      emulator.state.repo("acme", "from")!.refs.set("refs/tags/v3.1.0", tagged);
      const after = release(repo, "fix: after the tag");
      await deployed(repo, after, "success");
      const head = release(repo, "feat: newest");
      const { notes } = await write(repo, head, { publish: "none", from: "v3.1.0" });
      expect(notes.range.from).toBe(tagged);
      expect(notes.markdown).toContain(`From \`${tagged.slice(0, 7)}\` (\`v3.1.0\`).`);
      expect(notes.range.commits.map((c) => c.pull?.title)).toEqual(["feat: newest", "fix: after the tag"]);
      await expect(write(repo, head, { publish: "none", from: "v9.9.9" })).rejects.toThrow("`from`: `v9.9.9` names no commit of the repository. Give a tag, a branch or a SHA.");
    });

    it("names a newcomer's real first pull request, even when a label leaves it out of the list", async () => {
      const repo = "acme/first";
      emulator.scenario.createRepo(repo);
      await deployed(repo, release(repo, "feat: before", [], "olivia"), "success");
      release(repo, "chore: tidy the CI", ["skip-changelog"], "newton");
      const first = [...emulator.state.repo("acme", "first")!.pulls.values()].at(-1)!.number;
      const head = release(repo, "feat: newton's second", [], "newton");
      const { notes } = await write(repo, head, { publish: "none" });
      expect(notes.markdown).toContain(`### New contributors\n\n- @newton made their first contribution in #${first}\n`);
      expect(notes.markdown).not.toContain("tidy the CI");
    });

    it("names first-time contributors, not people who contributed before the range, nor bots", async () => {
      const repo = "acme/newcomers";
      emulator.scenario.createRepo(repo);
      const before = release(repo, "feat: old hand's work", [], "olivia");
      await deployed(repo, before, "success");
      release(repo, "fix: olivia again", [], "olivia");
      release(repo, "docs: hello", [], "newton");
      const head = release(repo, "chore(deps): bump pg", [], "dependabot[bot]");
      const { notes } = await write(repo, head, { publish: "none" });
      expect(notes.markdown).toContain("### New contributors\n\n- @newton made their first contribution in #");
      expect(notes.markdown).not.toContain("@olivia made");
      expect(notes.markdown).not.toContain("dependabot made");
      expect(notes.markdown).toContain("- **deps:** bump pg (#");
    });
  });

  it("writes one release however many runs race for it, tag at the deployed SHA", async () => {
    const repo = "acme/race";
    emulator.scenario.createRepo(repo);
    const head = release(repo, "feat: racing");
    const runs = await Promise.all([write(repo, head), write(repo, head), write(repo, head)]);
    const releases = [...emulator.state.repo("acme", "race")!.releases.values()];
    expect(releases).toHaveLength(1);
    expect(releases[0]).toMatchObject({ tag_name: dated(repo, head), target_commitish: head, draft: false });
    expect(emulator.state.repo("acme", "race")!.refs.get(`refs/tags/${dated(repo, head)}`)).toBe(head);
    expect(runs.map((r) => r.notes.release.action).sort()).toEqual(["created", "updated", "updated"]);
  });
});
