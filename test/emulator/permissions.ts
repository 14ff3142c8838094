import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { GRAPHQL_FIELD_PERMISSIONS, ROUTE_PERMISSIONS, type Level, type Requirement } from "./route-permissions.js";
import { projectRoot } from "./root.js";

/** What a token holds: permission -> level, as a manifest's `default_permissions` writes it. */
export type Grant = Readonly<Record<string, string>>;

export interface Manifest {
  default_events?: string[];
  default_permissions?: Record<string, string>;
  [key: string]: unknown;
}

/** app.yml as `npm run setup` sends it to GitHub. */
export function readManifest(path = join(projectRoot(), "app.yml")): Manifest {
  return parseYaml(readFileSync(path, "utf8")) as Manifest;
}

const RANK: Record<string, number> = { read: 1, write: 2, admin: 3 };

/** Whether a grant holds `level` of `permission` (write includes read). */
export function holds(grant: Grant, permission: string, level: Level): boolean {
  return (RANK[grant[permission] ?? ""] ?? 0) >= RANK[level]!;
}

/** Whether a grant meets a requirement (any one of its entries). */
export function meets(grant: Grant, requirement: Requirement): boolean {
  // An empty requirement: a route for a user's own token (the dashboard), which needs none of the app's permissions.
  return requirement.length === 0 || requirement.some(([permission, level]) => holds(grant, permission, level));
}

export function describeRequirement(requirement: Requirement): string {
  return requirement.map(([permission, level]) => `${permission}: ${level}`).join(" or ");
}

/** The permission names GitHub's webhook docs use -> the manifest's keys. */
const PERMISSION_KEYS: Record<string, string> = {
  Actions: "actions",
  Administration: "administration",
  Checks: "checks",
  "Code scanning alerts": "security_events",
  "Commit statuses": "statuses",
  Contents: "contents",
  "Custom properties": "organization_custom_properties",
  "Dependabot alerts": "vulnerability_alerts",
  Deployments: "deployments",
  Discussions: "discussions",
  Issues: "issues",
  "Merge queues": "merge_queues",
  Members: "members",
  Metadata: "metadata",
  Pages: "pages",
  "Pull requests": "pull_requests",
  "Repository security advisories": "repository_advisories",
  "Secret scanning alerts": "secret_scanning_alerts",
};

let eventRules: Map<string, Requirement> | undefined;

/**
 * Which permission each webhook event needs, read from the sentence GitHub writes in every
 * event's description ("To subscribe to this event, a GitHub App must have at least
 * read-level access for the "Issues" repository permission"), as published in
 * @octokit/openapi-webhooks-types. An event whose permission is not known here needs one
 * nobody holds: the check fails closed.
 */
export function eventPermissions(): Map<string, Requirement> {
  if (eventRules) return eventRules;
  const require = createRequire(import.meta.url);
  const types = readFileSync(join(require.resolve("@octokit/openapi-webhooks-types/package.json"), "../types.d.ts"), "utf8");
  eventRules = new Map();
  for (const match of types.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*post: operations\["([a-z-]+)(?:\/[a-z_-]+)?"\]/g)) {
    const event = match[2]!.replaceAll("-", "_");
    const sentence = /must have at least read-level access for the ((?:"[^"]+"(?:,? or )?)+)/.exec(match[1]!.replace(/\s*\*\s*/g, " "));
    if (!sentence || eventRules.has(event)) continue;
    const names = [...sentence[1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
    eventRules.set(event, names.map((name) => [PERMISSION_KEYS[name] ?? `unknown permission "${name}"`, "read"] as const));
  }
  return eventRules;
}

/**
 * The events of a manifest its permissions do not allow, as GitHub refuses them when the app
 * is registered: "Default events are not supported by permissions: issue_comment".
 */
export function unsupportedEvents(manifest: Manifest): string[] {
  const grant = manifest.default_permissions ?? {};
  const rules = eventPermissions();
  return (manifest.default_events ?? []).filter((event) => {
    const rule = rules.get(event);
    return !rule || !meets(grant, rule);
  });
}

/** GitHub's refusal of such a manifest, or null when it registers. */
export function manifestRefusal(manifest: Manifest): string | null {
  const unsupported = unsupportedEvents(manifest);
  return unsupported.length ? `Default events are not supported by permissions: ${unsupported.join(", ")}` : null;
}

const ROUTES = Object.entries(ROUTE_PERMISSIONS).map(([route, requirement]) => {
  const [method, template] = route.split(" ") as [string, string];
  // {path} and {ref} may hold slashes (a file path, `heads/main`); other parameters may not.
  const pattern = template.replace(/\{(\w+)\}/g, (_m, name: string) => (name === "path" || name === "ref" ? "(.+)" : "([^/]+)"));
  return { method, template, regex: new RegExp(`^${pattern}$`), requirement };
});

/** The requirement of a REST request, by GitHub's route template; undefined when the table has none. */
export function routeRequirement(method: string, path: string): { template: string; requirement: Requirement } | undefined {
  const bare = path.split("?")[0]!;
  // A literal segment wins over a parameter (`/releases/tags/{tag}` over `/releases/{release_id}`).
  const matches = ROUTES.filter((r) => r.method === method && r.regex.test(bare));
  const parameters = (template: string) => template.split("{").length;
  matches.sort((a, b) => parameters(a.template) - parameters(b.template));
  const found = matches[0];
  return found ? { template: found.template, requirement: found.requirement } : undefined;
}

export function fieldRequirement(coordinate: string): Requirement | undefined {
  return GRAPHQL_FIELD_PERMISSIONS[coordinate];
}
