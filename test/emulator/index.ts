import { createRequire } from "node:module";
import { createPublicKey, randomBytes, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "./root.js";
import { simulation } from "@simulacrum/github-api-simulator";
import type { EmulatorContext, Handler, Request, Response } from "./context.js";
import { actionsHandlers } from "./rest-actions.js";
import { userHandlers } from "./rest-users.js";
import { checkHandlers } from "./rest-checks.js";
import { deploymentHandlers } from "./rest-deployments.js";
import { gitHandlers } from "./rest-git.js";
import { issueHandlers } from "./rest-issues.js";
import { executeGraphql } from "./graphql.js";
import { Scenario } from "./scenario.js";
import { Shapes } from "./shapes.js";
import { GitHubState, type Account } from "./state.js";
import { operationOf } from "./operations.js";
import { describeRequirement, manifestRefusal, meets, readManifest, routeRequirement, type Grant, type Manifest } from "./permissions.js";
import { WebhookDeliverer, type Workflow } from "./webhooks.js";
import { emulatorDescription } from "./description.js";

/** The base path GitHub Enterprise Server uses, so Probot's GHE_HOST/GHE_PROTOCOL reach us. */
export const API_PATH = "/api/v3";
/** Where Octokit sends GraphQL for such a host. */
export const GRAPHQL_PATH = "/api/graphql";

export interface RecordedRequest {
  method: string;
  /** Path and query below `/api/v3`, decoded, as a test would write it. */
  path: string;
  body: unknown;
  status: number;
  actor: string;
  /** Set when the OpenAPI layer, not our state, refused it: a body or route GitHub would reject. */
  rejectedByDescription?: string;
  /** Set when the emulator's own answer did not match the description (a defect of the emulator). */
  invalidResponse?: string;
  /** Set when an installation token lacked the permission (GitHub's 403), naming what was needed. */
  forbidden?: string;
  /** Set when the request reached an operation of GitHub's description the emulator does not implement. */
  unimplemented?: string;
}

export interface EmulatorOptions {
  /** Where webhooks go; may be set later with `emulator.webhookUrl = ...`. */
  webhookUrl?: string;
  webhookSecret: string;
  appId: number;
  appSlug?: string;
  /** The app's private key: installation-token requests must carry a JWT it signed. */
  privateKey?: string;
  /** Events the app subscribes to; by default those of app.yml. */
  events?: string[];
  /** What installation tokens hold; by default app.yml's `default_permissions`, as GitHub grants them. */
  permissions?: Grant;
  /** The app's OAuth credentials for "Sign in with GitHub", and the callback URL registered with it. */
  oauth?: { clientId?: string; clientSecret?: string; callbackUrl?: string };
}

/** The id of GitHub Actions' app, as GitHub reports it for check runs made with GITHUB_TOKEN. */
export const GITHUB_ACTIONS_APP_ID = 15368;

/** Operations served by the emulator's own routes rather than by operation handlers. */
const ROUTED_HERE = new Set(["apps/create-installation-access-token", "apps/create-from-manifest"]);

/** GitHub's answer to a token without the permission a route needs. */
const NOT_ACCESSIBLE = { message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest", status: "403" };

/** The events app.yml subscribes to. */
export function manifestEvents(): string[] {
  return readManifest().default_events ?? [];
}

function verifyAppJwt(jwt: string, appId: number, privateKey: string | undefined): boolean {
  const [header, payload, signature] = jwt.split(".");
  if (!header || !payload || !signature) return false;
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as { iss?: unknown; exp?: number };
  if (String(claims.iss) !== String(appId) || !claims.exp || claims.exp * 1000 < Date.now()) return false;
  if (!privateKey) return true;
  return verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), createPublicKey(privateKey), Buffer.from(signature, "base64url"));
}

export type Emulator = Awaited<ReturnType<typeof startEmulator>>;

/**
 * GitHub on loopback: every REST route of GitHub's OpenAPI description (requests that do not
 * match it get 400, unknown routes 404), state for the routes Shipline uses, and signed
 * webhooks to the app.
 */
export async function startEmulator(options: EmulatorOptions) {
  const state = new GitHubState();
  const requests: RecordedRequest[] = [];
  /** Token -> who it acts as, and for an installation token, the permissions it carries. */
  const tokens = new Map<string, { account: Account; grant?: Grant }>();
  const grant: Grant = options.permissions ?? readManifest().default_permissions ?? {};
  /** Things that happen on GitHub at the instant a request arrives, before it is answered (`onceBefore`). */
  const interleaved: Array<{ method: string; path: RegExp; run: () => void | Promise<void> }> = [];
  /** Manifests submitted through the web flow, by the code GitHub hands back. */
  const manifests = new Map<string, Manifest>();
  const bot = state.account(`${options.appSlug ?? "shipline"}[bot]`, "Bot");
  bot.appId = options.appId;
  // GitHub Actions' own app: what a workflow's GITHUB_TOKEN acts as.
  state.account("github-actions[bot]", "Bot").appId = GITHUB_ACTIONS_APP_ID;
  const shapes = new Shapes("", "");
  const deliverer = new WebhookDeliverer(
    { url: options.webhookUrl, secret: options.webhookSecret, appId: options.appId, installationId: 1, events: new Set(options.events ?? manifestEvents()) },
    shapes,
  );
  const ctx: EmulatorContext = { state, shapes, notify: (event, repo, fields, sender) => deliverer.send(event, repo, fields, sender), issueOf: (repo, pr) => deliverer.issueOf(repo, pr), protectionRuleApp: bot.login };

  const handlers: Record<string, Handler> = {
    ...gitHandlers(ctx),
    ...deploymentHandlers(ctx),
    ...checkHandlers(ctx),
    ...issueHandlers(ctx),
    ...actionsHandlers(ctx, deliverer),
    ...userHandlers(ctx, { appId: options.appId, slug: options.appSlug ?? "shipline", installationId: 1 }),
  };
  // GitHub's web flow for a GitHub App's user authorization (docs: "Generating a user access
  // token for a GitHub App"): the browser's signed-in user, the codes handed out, ten minutes each.
  const oauth = { clientId: options.oauth?.clientId ?? "Iv1.emulator", clientSecret: options.oauth?.clientSecret ?? "emulator-client-secret", callbackUrl: options.oauth?.callbackUrl ?? null };
  let webUser: Account | null = null;
  const codes = new Map<string, { user: Account; redirectUri: string; expires: number }>();

  const app = simulation({
    apiUrl: API_PATH,
    apiSchema: emulatorDescription(),
    // The simulator registers handlers only when some initial state is given.
    initialState: { users: [], organizations: [], repositories: [], branches: [], blobs: [] },
    extend: {
      openapiHandlers: () => handlers as any,
      extendRouter: (router: any) => {
        const expressJson = (createRequire(import.meta.url)("express") as { json: (options: { limit: string }) => unknown }).json;
        // The simulator parses JSON bodies up to express' default 100 KB; GitHub takes far
        // larger ones (a release body holds 125,000 characters): the same parser, GitHub's size.
        for (const layer of router.router?.stack ?? []) if (layer.name === "jsonParser") layer.handle = expressJson({ limit: "2mb" });
        router.use([API_PATH, GRAPHQL_PATH], (req: Request & { originalUrl?: string }, res: Response, next: () => void) => {
          const path = String(req.originalUrl ?? req.url).startsWith(GRAPHQL_PATH) ? "/graphql" : decodeURIComponent(req.url);
          const entry: RecordedRequest = { method: req.method, path, body: req.body && Object.keys(req.body).length > 0 ? req.body : undefined, status: 0, actor: "" };
          requests.push(entry);
          res.on("finish", () => (entry.status = res.statusCode));
          const json = res.json.bind(res);
          res.json = (body: any) => {
            // The simulator's own refusals: 400 `{ err }` for a request the description rejects,
            // 404 `{ error: "not found" }` for a route GitHub does not have.
            if (body?.status === 502 && body?.err) entry.invalidResponse = JSON.stringify(body.err);
            else if (body?.err) entry.rejectedByDescription = JSON.stringify(body.err);
            else if (body?.error === "not found") entry.rejectedByDescription = "no such route in GitHub's API";
            else if (path === "/graphql" && Array.isArray(body?.errors)) entry.rejectedByDescription = JSON.stringify(body.errors);
            return json(body);
          };
          const [scheme, credential] = String(req.headers.authorization ?? "").split(" ");
          if (credential && /^bearer$/i.test(scheme ?? "") && credential.split(".").length === 3) {
            entry.actor = "app (JWT)";
            if (!verifyAppJwt(credential, options.appId, options.privateKey)) return res.status(401).json({ message: "A JSON web token could not be decoded" });
            return next();
          }
          if (credential) {
            const token = tokens.get(credential);
            if (!token) return res.status(401).json({ message: "Bad credentials" });
            req.actor = token.account;
            req.grant = token.grant;
            entry.actor = token.account.login;
            if (token.grant && path !== "/graphql") {
              const refusal = restRefusal(req.method, path, token.grant);
              if (refusal) {
                entry.forbidden = refusal;
                return res.status(403).json(NOT_ACCESSIBLE);
              }
            }
          }
          // An operation the emulator has no state for would answer the description's example
          // and "succeed": it fails instead, naming the operation, so a new call cannot pass unseen.
          const operation = path === "/graphql" ? undefined : operationOf(req.method, path);
          if (operation && !(operation in handlers) && !ROUTED_HERE.has(operation)) {
            entry.unimplemented = operation;
            return res.status(501).json({ message: `The GitHub emulator does not implement ${operation} (${req.method} ${path.split("?")[0]}): add it to test/emulator.` });
          }
          const due = interleaved.findIndex((i) => i.method === req.method && i.path.test(path));
          if (due < 0) return next();
          const [hook] = interleaved.splice(due, 1);
          Promise.resolve(hook!.run()).then(() => next(), next);
        });
        // GitHub's description of the compare response has `nullable` without `type`, which the
        // simulator's response validator cannot compile (it answers 500): served here, with the
        // same handler, its response unvalidated.
        router.get(`${API_PATH}/repos/:owner/:repo/compare/:basehead`, (req: Request & { params: Record<string, string>; query: Record<string, unknown> }, res: Response) => {
          const result = (handlers["repos/compare-commits"] as any)({ request: { params: req.params, query: req.query } }, req, res) as { status: number; json: unknown } | undefined;
          if (result) res.status(result.status).json(result.json);
        });
        router.post(GRAPHQL_PATH, async (req: Request, res: Response) => {
          const { forbidden, ...result } = (await executeGraphql(state, req.body ?? {}, req.actor, req.grant)) as { forbidden?: string[] };
          const entry = requests.at(-1);
          if (forbidden && entry?.path === "/graphql") entry.forbidden = forbidden.join("; ");
          res.status(200).json(result);
        });
        // The manifest flow's web step: GitHub's form refuses a manifest whose events its
        // permissions do not allow, and otherwise hands back a code for the conversion.
        const formParser = (createRequire(import.meta.url)("express") as { urlencoded: (options: { extended: boolean }) => unknown }).urlencoded({ extended: false });
        router.post("/settings/apps/new", formParser, (req: Request, res: Response) => {
          let manifest: Manifest;
          try {
            manifest = JSON.parse(String(req.body?.manifest ?? "")) as Manifest;
          } catch {
            return res.status(422).json({ message: "Invalid manifest: not JSON" });
          }
          const refusal = manifestRefusal(manifest);
          if (refusal) return res.status(422).json({ message: refusal });
          const code = randomBytes(10).toString("hex");
          manifests.set(code, manifest);
          const redirect = typeof manifest.redirect_url === "string" ? manifest.redirect_url : "";
          res.status(302).set("location", `${redirect}?code=${code}`).end();
        });
        router.get("/login/oauth/authorize", (req: Request & { query: Record<string, string> }, res: Response) => {
          const { client_id: clientId, redirect_uri: redirectUri = oauth.callbackUrl ?? "", state: oauthState } = req.query;
          if (clientId !== oauth.clientId) return res.status(404).type("text/plain").send("Not Found");
          // GitHub sends the user back only to the callback URL registered with the app (or below it).
          if (oauth.callbackUrl && !redirectUri.startsWith(oauth.callbackUrl)) return res.status(400).type("text/plain").send("The redirect_uri MUST match the registered callback URL for this application.");
          if (!webUser) return res.status(200).type("text/html").send("<!doctype html><title>Sign in to GitHub</title><p>Sign in to GitHub to continue to Shipline.</p>");
          const code = randomBytes(10).toString("hex");
          codes.set(code, { user: webUser, redirectUri, expires: Date.now() + 600_000 });
          const target = new URL(redirectUri);
          target.searchParams.set("code", code);
          if (oauthState !== undefined) target.searchParams.set("state", oauthState);
          res.status(302).set("location", target.toString()).end();
        });
        // Octokit's oauth-methods post JSON; curl and others post a form: GitHub takes both.
        router.post("/login/oauth/access_token", formParser, expressJson({ limit: "100kb" }), (req: Request, res: Response) => {
          const body = (req.body ?? {}) as Record<string, string>;
          const found = codes.get(body.code ?? "");
          const answer = (json: Record<string, string>) => (String(req.headers.accept ?? "").includes("application/json") ? res.status(200).json(json) : res.status(200).type("application/x-www-form-urlencoded").send(new URLSearchParams(json).toString()));
          if (body.client_id !== oauth.clientId || body.client_secret !== oauth.clientSecret) return answer({ error: "incorrect_client_credentials", error_description: "The client_id and/or client_secret passed are incorrect." });
          // A code is good once, for ten minutes (GitHub answers 200 with an error, not a 4xx).
          if (!found || found.expires < Date.now() || (body.redirect_uri && body.redirect_uri !== found.redirectUri)) return answer({ error: "bad_verification_code", error_description: "The code passed is incorrect or expired." });
          codes.delete(body.code!);
          const token = `ghu_${randomBytes(18).toString("hex")}`;
          tokens.set(token, { account: found.user });
          answer({ access_token: token, token_type: "bearer", scope: "", expires_in: "28800", refresh_token: `ghr_${randomBytes(18).toString("hex")}`, refresh_token_expires_in: "15811200" });
        });
        router.post(`${API_PATH}/app-manifests/:code/conversions`, (req: Request, res: Response) => {
          const manifest = manifests.get(String(req.params?.code));
          if (!manifest) return res.status(404).json({ message: "Not Found" });
          manifests.delete(String(req.params?.code));
          res.status(201).json({ id: options.appId, slug: options.appSlug ?? "shipline", name: manifest.name, pem: options.privateKey ?? "", webhook_secret: options.webhookSecret, client_id: oauth.clientId, client_secret: oauth.clientSecret, permissions: manifest.default_permissions, events: manifest.default_events, html_url: `http://${host}/apps/${options.appSlug ?? "shipline"}` });
        });
        router.post(`${API_PATH}/app/installations/:id/access_tokens`, (req: Request, res: Response) => {
          if (!/^bearer /i.test(String(req.headers.authorization))) return res.status(401).json({ message: "A JSON web token is required" });
          const token = `ghs_${randomBytes(18).toString("hex")}`;
          tokens.set(token, { account: bot, grant });
          res.status(201).json({ token, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: grant, repository_selection: "all" });
        });
      },
    },
  });
  /**
   * Why GitHub would refuse an installation token this REST request, or null. Writes need the
   * permission everywhere; reads only on private repositories (public data is readable by
   * all). A route the table does not know is refused too, naming it, so that a new call
   * cannot pass here without its permission being looked up.
   */
  function restRefusal(method: string, path: string, held: Grant): string | null {
    if (path.startsWith("/app/") || path.startsWith("/app-manifests/")) return null;
    const found = routeRequirement(method, path);
    if (!found) return `no permission is known for ${method} ${path.split("?")[0]}: add it to test/emulator/route-permissions.ts from GitHub's docs`;
    const [, owner, name] = /^\/repos\/([^/]+)\/([^/?]+)/.exec(path) ?? [];
    const isPublicRead = method === "GET" && owner !== undefined && state.repo(owner, name!)?.private === false;
    if (isPublicRead || meets(held, found.requirement)) return null;
    return `${method} ${found.template} needs ${describeRequirement(found.requirement)}`;
  }

  const listening = await (app.listen as (...args: unknown[]) => ReturnType<typeof app.listen>)(0, "127.0.0.1");
  const host = `127.0.0.1:${listening.port}`;
  shapes.baseUrl = `http://${host}${API_PATH}`;
  shapes.webUrl = `http://${host}`;
  state.webUrl = shapes.webUrl;

  /** A token the way a workflow's GITHUB_TOKEN acts: as github-actions[bot]. */
  const workflowToken = (): string => {
    const token = `ghs_actions_${randomBytes(12).toString("hex")}`;
    tokens.set(token, { account: state.account("github-actions[bot]", "Bot") });
    return token;
  };

  let reporterToken: string | undefined;
  return {
    /** `GHE_HOST` for Probot; use with `GHE_PROTOCOL=http`. */
    host,
    /** The app's OAuth credentials, as `npm run setup` records them (GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET). */
    oauth,
    /** The person signed in to GitHub in the browser: the web flow authorizes as them (null: nobody). */
    signInAs(login: string | null): void {
      webUser = login === null ? null : state.account(login);
    },
    apiUrl: shapes.baseUrl,
    state,
    requests,
    deliveries: deliverer.deliveries,
    scenario: new Scenario(state, deliverer, shapes),
    workflowToken,
    /**
     * A workflow reporting on a deployment, as the deploy action does: through the REST route,
     * with a workflow token, so the description checks it and `deployment_status` is delivered.
     * Answers the HTTP status.
     */
    async reportDeploymentStatus(repository: string, id: number, status: { state: string; log_url?: string; environment_url?: string; description?: string }): Promise<number> {
      reporterToken ??= workflowToken();
      const response = await fetch(`${shapes.baseUrl}/repos/${repository}/deployments/${id}/statuses`, {
        method: "POST",
        headers: { authorization: `token ${reporterToken}`, "content-type": "application/json" },
        body: JSON.stringify(status),
      });
      await response.arrayBuffer();
      return response.status;
    },
    set webhookUrl(url: string | undefined) {
      deliverer.url = url;
    },
    /** Every delivery goes to each of these URLs at the same instant (replicas behind a balancer that duplicates). */
    set webhookTargets(urls: string[]) {
      deliverer.targets = urls;
    },
    redeliver: (id: string) => deliverer.redeliver(id),
    resendAsNew: (id: string) => deliverer.resendAsNew(id),
    /** Registers a workflow run for every `event` (for example `deployment`), as Actions would. */
    onWorkflowEvent: (event: string, workflow: Workflow) =>
      deliverer.onEvent(event, async (payload) => {
        const repo = state.repo(payload.repository?.owner?.login ?? "", payload.repository?.name ?? "");
        const environment = payload.deployment?.environment as string | undefined;
        if (event !== "deployment" || !repo || !environment || !repo.protectedEnvironments.has(environment)) return workflow(payload);
        // The job references a protected environment: it waits, and GitHub asks the app.
        const run = { id: state.id(), head_sha: payload.deployment.sha, environment, deploymentId: payload.deployment.id, status: "waiting" as const, conclusion: null, reviews: [], resume: () => workflow(payload) };
        repo.workflowRuns.set(run.id, run);
        deliverer.send(
          "deployment_protection_rule.requested",
          repo,
          { environment, event: "deployment", sha: run.head_sha, ref: payload.deployment.ref, deployment_callback_url: `${shapes.baseUrl}/repos/${repo.owner.login}/${repo.name}/actions/runs/${run.id}/deployment_protection_rule`, deployment: payload.deployment, pull_requests: [] },
          state.account("github-actions[bot]"),
        );
      }),
    settled: () => deliverer.settled(),
    /**
     * Runs `run` once, when the next `method` request whose path matches arrives, before GitHub
     * answers it: what someone else does on GitHub at that very instant (a push mid-command).
     */
    onceBefore: (method: string, path: RegExp, run: () => void | Promise<void>) => void interleaved.push({ method, path, run }),
    /** Requests made with the app's installation tokens (the app's cost), JWT ones aside. */
    appRequests: () => requests.filter((r) => r.actor === bot.login),
    close: () => listening.ensureClose(),
  };
}
