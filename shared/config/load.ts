import { parse as parseYaml } from "yaml";
import { CONFIG_PATH, parseConfig, type ConfigResult } from "./schema.js";
import type { ConfigProblem } from "./errors.js";

/** The part of @probot/octokit-plugin-config that Shipline uses (`octokit.config.get`). */
export interface ConfigReader {
  config: {
    get(options: {
      owner: string;
      repo: string;
      path: string;
      branch?: string;
      defaults?: (configs: Array<Record<string, unknown>>) => Record<string, unknown>;
    }): Promise<{ config: Record<string, unknown>; files: Array<{ config: Record<string, unknown> | null; owner: string; repo: string; path: string }> }>;
  };
}

/** The repository a config is read from (the gateway's `RepoRef` has the same shape). */
interface ConfigRepo {
  owner: string;
  repo: string;
}

export type LoadedConfig = ConfigResult & { source: string };

/**
 * Parses the file's text the way Probot's loader does (same YAML library and options), for
 * callers that already hold it. Files with `_extends` must go through `loadConfig`.
 */
export function configFromText(text: string): LoadedConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text, { logLevel: "error" }) ?? {};
  } catch (error) {
    return { ok: false, problems: [yamlProblem(new Error("invalid YAML", { cause: error }))], source: CONFIG_PATH };
  }
  if (typeof raw === "string") return { ok: false, problems: [{ path: "(the whole file)", expected: "valid YAML (a mapping such as `stages:`)", found: "YAML is not an object" }], source: CONFIG_PATH };
  return { ...parseConfig(raw), source: CONFIG_PATH };
}

/**
 * The config on the default branch from the facts query's copy of the file, or through
 * Probot's loader when the file extends another (`repoHasFile`) or is absent (then only the
 * organisation's `.github` is left to read).
 */
export async function configFromFacts(facts: { configText: string | null }, load: (repoHasFile: boolean) => Promise<LoadedConfig>): Promise<LoadedConfig> {
  return facts.configText !== null && !extendsAnother(facts.configText) ? configFromText(facts.configText) : load(facts.configText !== null);
}

/**
 * The loader `configFromFacts` calls: the repository's file on its default branch when it
 * has one (it extends another), else only the organisation's `.github` repository.
 */
export function defaultBranchLoader(octokit: ConfigReader, repo: ConfigRepo, defaultBranch?: string): (repoHasFile: boolean) => Promise<LoadedConfig> {
  return (repoHasFile) => loadConfig(octokit, repoHasFile ? repo : { owner: repo.owner, repo: ".github" }, repoHasFile ? defaultBranch : undefined);
}

/** Whether a config text leans on another file, which only Probot's loader resolves. */
export function extendsAnother(text: string): boolean {
  return /^_extends\s*:/m.test(text);
}

/** The YAML parser's own words, first line only, with the position it reports. */
function yamlProblem(error: Error): ConfigProblem {
  const cause = error.cause as { message?: string; linePos?: Array<{ line: number; col: number }> } | undefined;
  const where = cause?.linePos?.[0];
  // The parser ends its first line with the position, which the path already gives.
  const detail = ((cause?.message ?? error.message).split("\n", 1)[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
  return {
    path: where ? `line ${where.line}, column ${where.col}` : "(the whole file)",
    expected: "valid YAML (a mapping such as `stages:`)",
    found: detail.replace(/^\[@probot\/octokit-plugin-config\] /, ""),
  };
}

/**
 * Reads `.github/shipline.yml` at an exact commit through Probot's loader, so `_extends`
 * from an organisation's `.github` repository works. A file that cannot be read as YAML
 * or does not match the schema comes back as problems, never as an exception; failures
 * of GitHub itself (5xx, 403) are thrown for the retry layer and the log.
 */
export async function loadConfig(octokit: ConfigReader, repo: ConfigRepo, sha?: string): Promise<LoadedConfig> {
  let loaded: Awaited<ReturnType<ConfigReader["config"]["get"]>>;
  try {
    loaded = await octokit.config.get({
      ...repo,
      path: CONFIG_PATH,
      ...(sha ? { branch: sha } : {}),
      // Later files (the repository's own) replace earlier ones (the extended base) key by key.
      defaults: (configs) => Object.assign({}, ...configs),
    });
  } catch (error) {
    if (error instanceof Error && !("status" in error) && error.message.startsWith("[@probot/octokit-plugin-config]")) {
      return { ok: false, problems: [yamlProblem(error)], source: CONFIG_PATH };
    }
    throw error;
  }
  const found = loaded.files.filter((f) => f.config !== null);
  const source = found.length > 1 ? `${CONFIG_PATH} (extending ${found.slice(1).map((f) => `${f.owner}/${f.repo}`).join(", ")})` : CONFIG_PATH;
  // A file that is not a mapping (a list, say) must reach the schema as it is, not merged.
  const raw = found.length === 1 ? found[0]!.config : found.length > 1 ? loaded.config : undefined;
  return { ...parseConfig(raw), source };
}
