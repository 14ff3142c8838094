import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import * as core from "@actions/core";
import { getOctokit } from "@actions/github";
import { GitHubGateway } from "../../shared/github/gateway.js";
import { type NotesSettings } from "../../shared/release-notes/notes.js";
import { DEFAULT_CATEGORIES, DEFAULT_EXCLUDE_LABELS } from "../../shared/config/release-notes-defaults.js";
import { writeReleaseNotes } from "../../shared/release-notes/publish.js";
import { failStep, InputError, readInputs } from "../inputs.js";
import { releaseNotesInputs } from "./inputs.js";

/** The categories and labels of the repository's own config, or the defaults when it has none. */
async function settingsFrom(path: string): Promise<NotesSettings> {
  if (!existsSync(path)) return { categories: DEFAULT_CATEGORIES, excludeLabels: DEFAULT_EXCLUDE_LABELS };
  // Loaded only here: the schema and YAML parser would double the bundle and its start.
  const { configFromText } = await import("../../shared/config/load.js");
  const loaded = configFromText(readFileSync(path, "utf8"));
  if (!loaded.ok) throw new InputError(`${path} is not valid:\n${loaded.problems.map((p) => `- \`${p.path}\`: expected ${p.expected}; found ${p.found}.`).join("\n")}`);
  return { categories: loaded.config.release_notes.categories, excludeLabels: loaded.config.release_notes.exclude_labels, versionLabels: loaded.config.release_notes.version_labels };
}

/** The release-notes action: the range the deployment shipped, its notes, the release, outputs and summary. */
export async function run(): Promise<void> {
  try {
    const inputs = readInputs(releaseNotesInputs, ["token"]);
    const [owner = "", repo = ""] = (process.env.GITHUB_REPOSITORY ?? "").split("/");
    const event = process.env.GITHUB_EVENT_PATH && existsSync(process.env.GITHUB_EVENT_PATH) ? (JSON.parse(readFileSync(process.env.GITHUB_EVENT_PATH, "utf8")) as { deployment?: { id: number; sha: string; environment: string } }) : {};
    const sha = inputs.sha ?? event.deployment?.sha ?? process.env.GITHUB_SHA;
    if (!sha) throw new InputError("Input `sha`: no deployed commit known. Run on `deployment`, or set `sha`.");
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    const github = new GitHubGateway(getOctokit(inputs.token), { owner, repo });
    const notes = await writeReleaseNotes({
      github,
      repository: `${owner}/${repo}`,
      serverUrl: process.env.GITHUB_SERVER_URL ?? "https://github.com",
      environment: inputs.environment ?? event.deployment?.environment ?? "production",
      sha,
      from: inputs.from ?? null,
      deploymentId: event.deployment && event.deployment.sha === sha ? event.deployment.id : null,
      maxCommits: inputs["max-commits"],
      settings: await settingsFrom(isAbsolute(inputs.config) ? inputs.config : join(workspace, inputs.config)),
      publish: inputs.publish,
      dryRun: inputs["dry-run"],
      today: new Date().toISOString().slice(0, 10),
    });
    core.setOutput("notes", notes.markdown);
    core.setOutput("version", notes.version);
    core.setOutput("release-url", notes.release.url ?? "");
    core.setOutput("commits", String(notes.range.commits.length));
    const said = inputs["dry-run"] && inputs.publish !== "none" ? `Dry run: would create or update the ${inputs.publish === "draft" ? "draft " : ""}release ${notes.version} at ${sha.slice(0, 7)} with:` : `Release ${notes.version}: ${notes.release.action}${notes.release.url ? ` (${notes.release.url})` : ""}.`;
    core.info(said);
    core.info(notes.markdown);
    await core.summary.addRaw(`${said}\n\n${notes.markdown}`, true).write();
    core.info(`${github.requests} requests to GitHub.`);
  } catch (error) {
    failStep(error);
  }
}
