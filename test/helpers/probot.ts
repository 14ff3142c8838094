import { readFileSync } from "node:fs";
import nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import { isDeepStrictEqual } from "node:util";
import shipline from "../../app/index.js";

export const PRIVATE_KEY = readFileSync(new URL("../fixtures/test-private-key.pem", import.meta.url), "utf8");
export const WEBHOOK_SECRET = "test-webhook-secret";
export const API = "https://api.github.com";

/** Probot as production runs it, minus retries and throttling (tests assert single requests). */
export function testProbot(options: { retry?: boolean } = {}): Probot {
  const probot = new Probot({
    appId: 123,
    privateKey: PRIVATE_KEY,
    secret: WEBHOOK_SECRET,
    // A function default runs last; Probot's own throttle options would replace an object one.
    Octokit: ProbotOctokit.defaults((instance: object) => ({
      ...instance,
      retry: { enabled: options.retry ?? false },
      throttle: { enabled: false },
    })),
    logLevel: "fatal",
  });
  probot.load(shipline);
  return probot;
}

/** The installation token exchange every handled event starts with. */
export function mockInstallationToken(installationId = 1) {
  return github()
    .post(`/app/installations/${installationId}/access_tokens`)
    .reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} });
}

export interface SeenRequest {
  method: string;
  path: string;
  body: unknown;
}

/** Every request answered by a scope made with `github()` since the last `resetRequests()`. */
export const seen: SeenRequest[] = [];

export function resetRequests(): SeenRequest[] {
  seen.length = 0;
  return seen;
}

/** `nock(API)` that records what it answers, so a test can assert the exact sequence. */
export function github(): nock.Scope {
  const scope = nock(API);
  scope.on("request", (req: { method: string; path: string }, _interceptor: unknown, body: string) => {
    seen.push({ method: req.method, path: decodeURIComponent(req.path), body: body ? JSON.parse(body) : undefined });
  });
  return scope;
}

/**
 * The facts query, matched exactly: its text and its variables. A mock that answered any
 * GraphQL request would let a query that lost a field (the pull request, say) pass unseen.
 */
export function factsQuery(pull: number | null, repo = { owner: "Codertocat", repo: "Hello-World" }, sha?: string | null): nock.Interceptor {
  // `sha` undefined: whatever commit the facts ask checks for (a test about something else).
  const expected = { ...repo, number: pull ?? 0, withPull: pull !== null, ...(sha === undefined ? {} : { sha: sha ?? "0".repeat(40), withSha: sha !== null }) };
  return github().post("/graphql", (body: { query?: string; variables?: unknown }) => {
    const query = body.query ?? "";
    // The operation, the pull request's part when a pull request is asked for, and the variables.
    const variables = { ...(body.variables as Record<string, unknown>) };
    if (sha === undefined) {
      delete variables.sha;
      delete variables.withSha;
    }
    return query.trimStart().startsWith("query ShiplineFacts(") && (pull === null || /pullRequest\(number: \$number\) @include\(if: \$withPull\)/.test(query)) && isDeepStrictEqual(variables, expected);
  });
}

/** A GraphQL request of one operation (`query Name(`) whose variables include these. */
export function graphqlOperation(operation: string, variables: Record<string, unknown> = {}): nock.Interceptor {
  return github().post("/graphql", (body: { query?: string; variables?: Record<string, unknown> }) => {
    if (!(body.query ?? "").trimStart().startsWith(`query ${operation}(`)) return false;
    return Object.entries(variables).every(([key, value]) => isDeepStrictEqual(body.variables?.[key], value));
  });
}
