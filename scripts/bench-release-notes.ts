import { Octokit } from "@octokit/core";
import { GitHubGateway } from "../shared/github/gateway.js";
import { DEFAULT_CATEGORIES, DEFAULT_EXCLUDE_LABELS } from "../shared/config/release-notes-defaults.js";
import { writeReleaseNotes } from "../shared/release-notes/publish.js";
import { startEmulator } from "../test/emulator/index.js";

/**
 * Release notes for ranges of 10, 1,000 and 5,000 commits (one in five a pull request), in the
 * emulator: requests to GitHub and time, from the range to the published release.
 */
export async function releaseNoteFigures(record: (what: string, figure: string, target: string) => void): Promise<void> {
  const emulator = await startEmulator({ webhookSecret: "bench", appId: 9 });
  try {
    const token = emulator.workflowToken();
    for (const commits of [10, 1000, 5000]) {
      const name = `bench/notes-${commits}`;
      emulator.scenario.createRepo(name);
      const start = emulator.scenario.head(name);
      const earlier = emulator.scenario.createDeployment(name, { sha: start, environment: "production" });
      await emulator.reportDeploymentStatus(name, earlier.id, { state: "success" });
      const types = ["feat", "fix", "docs", "chore", "perf"];
      emulator.scenario.generateHistory(name, { commits, pulls: commits / 5, authors: ["alice", "bob", "carol", "dave", "erin"], describe: (i) => ({ title: `${types[i % types.length]}: change ${i}` }) });
      const github = new GitHubGateway(new Octokit({ auth: token, baseUrl: emulator.apiUrl }), { owner: "bench", repo: `notes-${commits}` });
      const before = emulator.requests.length;
      const started = performance.now();
      const notes = await writeReleaseNotes({ github, repository: name, serverUrl: "https://github.com", environment: "production", sha: emulator.scenario.head(name), from: null, deploymentId: null, maxCommits: 5000, settings: { categories: DEFAULT_CATEGORIES, excludeLabels: DEFAULT_EXCLUDE_LABELS }, publish: "release", dryRun: false, today: "2026-11-24" });
      const ms = performance.now() - started;
      const pulls = new Set(notes.range.commits.map((c) => c.pull?.number).filter(Boolean)).size;
      record(`release notes, ${notes.range.commits.length} commits / ${pulls} PRs: requests`, String(emulator.requests.length - before), commits === 5000 ? "<= 12" : "");
      record(`release notes, ${notes.range.commits.length} commits / ${pulls} PRs: time (emulator)`, `${ms.toFixed(0)} ms`, "");
    }
  } finally {
    await emulator.close();
  }
}
