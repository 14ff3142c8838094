import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse as parseYaml } from "yaml";
import type { Emulator } from "../emulator/index.js";

const root = new URL("../../", import.meta.url).pathname;

export interface ActionRun {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

/**
 * Runs an action's bundled entry the way the runner does: a fresh process with INPUT_* and
 * GITHUB_* (event, output and summary files), pointed at the emulator through GITHUB_API_URL.
 */
export async function runActionBundle(options: {
  /** Where GitHub is; an action that never calls GitHub (migrate) needs none. */
  emulator?: Emulator;
  entry: string;
  repository: string;
  token: string;
  inputs: Record<string, string>;
  event?: Record<string, unknown>;
  eventName?: string;
  env?: Record<string, string>;
  cwd?: string;
}): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), "shipline-action-"));
  const files = { event: join(dir, "event.json"), output: join(dir, "output"), summary: join(dir, "summary.md") };
  writeFileSync(files.event, JSON.stringify(options.event ?? {}));
  writeFileSync(files.output, "");
  writeFileSync(files.summary, "");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    // Without an emulator, any call to GitHub fails at once (nothing listens on port 9).
    GITHUB_API_URL: options.emulator?.apiUrl ?? "http://127.0.0.1:9",
    GITHUB_SERVER_URL: options.emulator ? `http://${options.emulator.host}` : "http://127.0.0.1:9",
    GITHUB_REPOSITORY: options.repository,
    GITHUB_RUN_ID: "4242",
    GITHUB_EVENT_NAME: options.eventName ?? "deployment",
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    INPUT_TOKEN: options.token,
    ...options.env,
  };
  // The runner's rule: INPUT_ + the name upper-cased, spaces to underscores, dashes kept. It
  // sets every input the action.yml declares with a default the step did not give.
  for (const [name, value] of Object.entries({ ...manifestDefaults(options.entry, options.token), ...options.inputs })) env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] = value;
  const result = await promisify(execFile)(process.execPath, [join(root, options.entry)], { env, timeout: 60_000, cwd: options.cwd ?? root }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
  // GITHUB_OUTPUT uses the heredoc form: name<<delimiter / value / delimiter.
  const outputs: Record<string, string> = {};
  for (const m of readFileSync(files.output, "utf8").matchAll(/^(.+?)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1]!] = m[3]!;
  const summary = readFileSync(files.summary, "utf8");
  rmSync(dir, { recursive: true, force: true });
  return { ...result, outputs, summary };
}

/**
 * The defaults of the action.yml the entry belongs to (`actions/<name>/dist/index.js` ->
 * `actions/<name>/action.yml`; the umbrella's is the root action.yml), as the runner
 * evaluates them (`${{ github.token }}` is the job's token).
 */
function manifestDefaults(entry: string, token: string): Record<string, string> {
  const name = /^actions\/([^/]+)\/dist\//.exec(entry)?.[1];
  if (!name) return {};
  const manifest = parseYaml(readFileSync(join(root, name === "umbrella" ? "action.yml" : `actions/${name}/action.yml`), "utf8")) as { inputs?: Record<string, { default?: string }> };
  const defaults: Record<string, string> = {};
  for (const [input, spec] of Object.entries(manifest.inputs ?? {})) {
    if (spec.default !== undefined) defaults[input] = String(spec.default).replace("${{ github.token }}", token);
  }
  return defaults;
}
