import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { defaultConfig, parseConfig, type ShiplineConfig } from "../config/schema.js";
import { parseInsight, type InsightDeployment, type InsightPage } from "../insight/deployments.js";
import { doraFigures, liveAt, rolledBackIds } from "../insight/dora.js";
import { checksGate, freezeGate, soakGate } from "../gates/gates.js";
import { approvalGate } from "../gates/approvals.js";
import { CHECK_RUN_NAME } from "../github/records.js";
import { parseCookies, serializeCookie, sign, unsign } from "./cookies.js";
import { historyPage, layout, pipelinePage, repositoriesPage, signInPage, STYLESHEET, type StageView, type Viewer } from "./pages.js";
import type { KeyValueStore } from "./store.js";

/** What the site asks of GitHub, passed in (app/dashboard.ts gives Octokit's). Each call is one request. */
export interface GitHubForSite {
  authorizeUrl(state: string, redirectUrl: string): string;
  /** The web flow's code for a user token (GitHub App user authorization). */
  exchangeCode(code: string, redirectUrl: string): Promise<string>;
  user(token: string): Promise<{ login: string }>;
  /** `GET /user/installations` with the user's token: the installations the user can reach. */
  userInstallations(token: string): Promise<Array<{ id: number; app_id: number }>>;
  /** `GET /user/installations/{id}/repositories`: the repositories of it the user can read. */
  installationRepositories(token: string, installationId: number): Promise<Array<{ full_name: string; private: boolean }>>;
  /** The insight query (deployments/insight.ts) with the installation's token. */
  insight(installationId: number, owner: string, repo: string, before: string | null): Promise<unknown>;
}

export interface SiteOptions {
  github: GitHubForSite;
  appId: number;
  /** Signs the cookies; `SESSION_SECRET`. */
  secret: string;
  store: KeyValueStore;
  /** The dashboard's public address (`SHIPLINE_URL`), for GitHub's callback; else the request's own. */
  publicUrl: string | null;
  now?: () => Date;
  /** How long a page's data is reused before GitHub is read again. */
  cacheS?: number;
}

interface Session {
  login: string;
  token: string;
  csrf: string;
}

const SESSION_COOKIE = "shipline_session";
const STATE_COOKIE = "shipline_oauth_state";
/** A GitHub App's user token lives 8 hours: the session no longer. */
const SESSION_S = 8 * 3600;
const PAGE_SIZE = 20;

/** No script, no frame, no foreign origin: only the page, its stylesheet and inline SVG. */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The dashboard: "Sign in with GitHub" (GitHub App user authorization), then, for the
 * repositories of the app's installations that the user can read, the pipeline, environment
 * history and DORA metrics. Returns false for paths it does not serve.
 */
export function createSite(options: SiteOptions) {
  const now = options.now ?? (() => new Date());
  const cacheS = options.cacheS ?? 60;
  const { store, github } = options;

  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string | string[]> = {}, requests = 0) => {
    res.writeHead(status, {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": CONTENT_SECURITY_POLICY,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "x-frame-options": "DENY",
      "cache-control": "no-store",
      // How many requests this view cost GitHub (the installation token aside): the bench reads it.
      "x-github-requests": String(requests),
      ...headers,
    });
    res.end(body);
  };
  const redirect = (res: ServerResponse, location: string, cookies: string[] = [], status = 302) => {
    res.writeHead(status, { location, "cache-control": "no-store", ...(cookies.length ? { "set-cookie": cookies } : {}) });
    res.end();
  };
  const origin = (req: IncomingMessage) => options.publicUrl?.replace(/\/$/, "") ?? `http://${req.headers.host ?? "localhost"}`;
  const secure = (req: IncomingMessage) => origin(req).startsWith("https:");

  async function sessionOf(req: IncomingMessage): Promise<{ id: string; session: Session } | null> {
    const id = unsign(parseCookies(req.headers.cookie).get(SESSION_COOKIE), options.secret);
    if (!id) return null;
    const text = await store.get(`session:${id}`);
    return text ? { id, session: JSON.parse(text) as Session } : null;
  }

  /** The repositories the user may see here, read with the user's own token (cached briefly). */
  async function repositoriesOf(id: string, session: Session, counter: { n: number }): Promise<Array<{ fullName: string; private: boolean; installationId: number }>> {
    const cached = await store.get(`repos:${id}`);
    if (cached) return JSON.parse(cached);
    counter.n++;
    const installations = (await github.userInstallations(session.token)).filter((i) => i.app_id === options.appId);
    const repos: Array<{ fullName: string; private: boolean; installationId: number }> = [];
    for (const installation of installations) {
      counter.n++;
      for (const r of await github.installationRepositories(session.token, installation.id)) repos.push({ fullName: r.full_name, private: r.private, installationId: installation.id });
    }
    repos.sort((a, b) => a.fullName.localeCompare(b.fullName));
    await store.set(`repos:${id}`, JSON.stringify(repos), cacheS);
    return repos;
  }

  /** Up to 500 deployments (90 days' worth, for most), newest first, cached per repository. */
  async function insightOf(installationId: number, fullName: string, refresh: boolean, counter: { n: number }): Promise<{ page: InsightPage; readAt: string }> {
    const key = `insight:${fullName.toLowerCase()}`;
    const cached = refresh ? null : await store.get(key);
    if (cached) {
      const { pages, readAt } = JSON.parse(cached) as { pages: unknown[]; readAt: string };
      return { page: merge(pages.map(parseInsight)), readAt };
    }
    const [owner, repo] = fullName.split("/") as [string, string];
    const pages: unknown[] = [];
    let before: string | null = null;
    const horizon = now().getTime() - 90 * 86_400_000;
    do {
      counter.n++;
      const data = await github.insight(installationId, owner, repo, before);
      pages.push(data);
      const page = parseInsight(data);
      const oldest = page.deployments.at(-1);
      before = page.olderCursor && oldest && Date.parse(oldest.createdAt) > horizon ? page.olderCursor : null;
    } while (before && pages.length < 5);
    const readAt = now().toISOString().replace(/\.\d{3}Z$/, "Z");
    await store.set(key, JSON.stringify({ pages, readAt }), cacheS);
    return { page: merge(pages.map(parseInsight)), readAt };
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://dashboard");
    const path = url.pathname;
    if (!(path === "/login" || path === "/login/callback" || path === "/logout" || path === "/dashboard" || path.startsWith("/dashboard/"))) return false;
    const counter = { n: 0 };

    if (req.method === "GET" && path === "/dashboard/static/style.css") {
      res.writeHead(200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=3600", "x-content-type-options": "nosniff" });
      res.end(STYLESHEET);
      return true;
    }

    if (req.method === "GET" && path === "/login") {
      const state = randomBytes(24).toString("base64url");
      const callback = `${origin(req)}/login/callback`;
      redirect(res, github.authorizeUrl(state, callback), [serializeCookie(STATE_COOKIE, sign(state, options.secret), { maxAgeS: 600, path: "/login", secure: secure(req) })]);
      return true;
    }

    if (req.method === "GET" && path === "/login/callback") {
      const expected = unsign(parseCookies(req.headers.cookie).get(STATE_COOKIE), options.secret);
      const state = url.searchParams.get("state");
      const code = url.searchParams.get("code");
      // The state must be the one this browser was given: no sign-in forced from another site.
      if (!expected || !state || state !== expected || !code) {
        send(res, 400, layout("Sign in", null, `<h1>Sign-in failed</h1><p>The sign-in did not come back from GitHub as it was sent (state mismatch). <a href="/login">Try again</a>.</p>`));
        return true;
      }
      let token: string;
      let login: string;
      try {
        token = await github.exchangeCode(code, `${origin(req)}/login/callback`);
        login = (await github.user(token)).login;
      } catch {
        send(res, 400, layout("Sign in", null, `<h1>Sign-in failed</h1><p>GitHub did not accept the sign-in code (expired or used). <a href="/login">Try again</a>.</p>`));
        return true;
      }
      const id = randomBytes(24).toString("base64url");
      const session: Session = { login, token, csrf: randomBytes(18).toString("base64url") };
      await store.set(`session:${id}`, JSON.stringify(session), SESSION_S);
      redirect(res, "/dashboard", [
        serializeCookie(SESSION_COOKIE, sign(id, options.secret), { maxAgeS: SESSION_S, secure: secure(req) }),
        serializeCookie(STATE_COOKIE, "", { maxAgeS: 0, path: "/login", secure: secure(req) }),
      ]);
      return true;
    }

    if (path === "/logout") {
      if (req.method !== "POST") {
        send(res, 405, layout("Sign out", null, "<p>Sign out with the button.</p>"), { allow: "POST" });
        return true;
      }
      const found = await sessionOf(req);
      const form = new URLSearchParams(await readBody(req));
      // Nothing changes state from a GET, and a POST needs the session's CSRF token.
      if (!found || form.get("csrf") !== found.session.csrf) {
        send(res, 403, layout("Sign out", null, "<p>This form expired; reload the page and sign out again.</p>"));
        return true;
      }
      await store.delete(`session:${found.id}`);
      await store.delete(`repos:${found.id}`);
      redirect(res, "/dashboard", [serializeCookie(SESSION_COOKIE, "", { maxAgeS: 0, secure: secure(req) })], 303);
      return true;
    }

    if (req.method !== "GET") {
      send(res, 405, layout("Not allowed", null, "<p>Method not allowed.</p>"), { allow: "GET" });
      return true;
    }
    const found = await sessionOf(req);
    if (!found) {
      if (path === "/dashboard") send(res, 200, signInPage());
      else redirect(res, "/dashboard");
      return true;
    }
    const viewer: Viewer = { login: found.session.login, csrf: found.session.csrf };
    const repos = await repositoriesOf(found.id, found.session, counter);
    if (path === "/dashboard") {
      send(res, 200, repositoriesPage(viewer, repos), {}, counter.n);
      return true;
    }

    const match = /^\/dashboard\/([^/]+)\/([^/]+)(?:\/env\/([^/]+))?\/?$/.exec(path);
    const names = match ? [match[1], match[2], match[3]].map((p) => (p === undefined ? undefined : safeDecode(p))) : [];
    const repo = match && names[0] && names[1] ? repos.find((r) => r.fullName.toLowerCase() === `${names[0]}/${names[1]}`.toLowerCase()) : undefined;
    // A repository the user cannot read does not exist, whatever its URL.
    if (!repo) {
      send(res, 404, layout("Not found", viewer, "<h1>Not found</h1>"), {}, counter.n);
      return true;
    }
    const { page, readAt } = await insightOf(repo.installationId, repo.fullName, url.searchParams.get("refresh") === "1", counter);
    const config = configOf(page.configText);
    const base = `/dashboard/${repo.fullName.split("/").map(encodeURIComponent).join("/")}`;

    const environment = names[2];
    if (environment !== undefined) {
      const stage = config.stages.find((s) => s.environment.toLowerCase() === environment.toLowerCase());
      const rows = page.deployments.filter((d) => d.environment.toLowerCase() === environment.toLowerCase());
      if (!stage && rows.length === 0) {
        send(res, 404, layout("Not found", viewer, "<h1>Not found</h1>"), {}, counter.n);
        return true;
      }
      const pages = Math.max(Math.ceil(rows.length / PAGE_SIZE), 1);
      const pageNumber = Math.min(Math.max(Number.parseInt(url.searchParams.get("page") ?? "1", 10) || 1, 1), pages);
      const atText = url.searchParams.get("at");
      const at = atText && !Number.isNaN(Date.parse(atText.endsWith("Z") ? atText : `${atText}Z`)) ? new Date(atText.endsWith("Z") ? atText : `${atText}Z`) : null;
      send(
        res,
        200,
        historyPage({
          viewer,
          repository: repo.fullName,
          repoUrl: page.url,
          environment: stage?.environment ?? environment,
          rows: rows.slice((pageNumber - 1) * PAGE_SIZE, pageNumber * PAGE_SIZE),
          rolledBack: rolledBackIds(page.deployments),
          pageNumber,
          pages,
          at: at ? at.toISOString().replace(/\.\d{3}Z$/, "Z") : null,
          liveAt: at ? liveAt(page.deployments, stage?.environment ?? environment, at) : null,
          base: `${base}/env/${encodeURIComponent(stage?.environment ?? environment)}`,
        }),
        {},
        counter.n,
      );
      return true;
    }

    const days = [7, 30, 90].includes(Number(url.searchParams.get("days"))) ? Number(url.searchParams.get("days")) : 30;
    send(
      res,
      200,
      pipelinePage({
        viewer,
        repository: repo.fullName,
        repoUrl: page.url,
        stages: stageViews(config, page, now()),
        dora: config.stages.map((s) => doraFigures(page.deployments, s.environment, days, now())),
        days,
        readAt,
        base,
      }),
      {},
      counter.n,
    );
    return true;
  };
}

/** Several pages of the insight query as one, newest first. */
function merge(pages: InsightPage[]): InsightPage {
  const [first] = pages;
  return { ...first!, deployments: pages.flatMap((p) => p.deployments).sort((a, b) => b.id - a.id), olderCursor: pages.at(-1)!.olderCursor };
}

function configOf(text: string | null): ShiplineConfig {
  if (text === null) return defaultConfig();
  try {
    const parsed = parseConfig(parseYaml(text) ?? {});
    return parsed.ok ? parsed.config : defaultConfig();
  } catch {
    return defaultConfig();
  }
}

/** Each stage: what is live, its lock, what runs there now, and what succeeded before it and waits. */
export function stageViews(config: ShiplineConfig, page: InsightPage, now: Date): StageView[] {
  const of = (env: string) => page.deployments.filter((d) => d.environment.toLowerCase() === env.toLowerCase());
  return config.stages.map((stage, i) => {
    const here = of(stage.environment);
    const live = here.filter((d) => d.successAt && d.state === "success").sort((a, b) => Date.parse(b.successAt!) - Date.parse(a.successAt!))[0] ?? null;
    const running = here.filter((d) => ["queued", "pending", "in_progress"].includes(d.state));
    const previous = config.stages[i - 1];
    const reached = new Set(here.map((d) => d.sha));
    const before = previous ? of(previous.environment) : [];
    // Only what reached the previous stage after what runs here: older SHAs never come.
    const liveCameAt = live ? (before.find((p) => p.sha === live.sha)?.id ?? 0) : 0;
    const waiting = before.filter((d) => d.task === "deploy" && d.state === "success" && !reached.has(d.sha) && d.id > liveCameAt).slice(0, 5);
    return { stage, live, lock: page.locks.get(stage.environment), running, waiting: waiting.map((d) => ({ deployment: d, gate: waitingGate(config, i, d, now) })) };
  });
}

/**
 * Why a SHA that succeeded in the previous stage is not in this one yet, in the gates' words:
 * the first gate that holds (checks on the SHA, freeze, soak, approvals), else the command that
 * takes it there. Approvals are recorded in the pull request's comment, which this page does
 * not read: a stage that asks for them shows them as awaited.
 */
function waitingGate(config: ShiplineConfig, index: number, d: InsightDeployment, now: Date): string {
  const stage = config.stages[index]!;
  const gates = [checksGate(stage, d.checks.filter((c) => c.name !== CHECK_RUN_NAME)), freezeGate(stage, now, false), soakGate(config.stages[index - 1], d.successAt, now), approvalGate(stage, d.sha, [], null)];
  const closed = gates.find((g) => g.state === "rejected") ?? gates.find((g) => g.state === "pending");
  if (closed) return `${closed.gate}: ${closed.message}`;
  return stage.auto ? "every gate is open: the promotion is due" : `on command: \`/deploy ${stage.environment}\``;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return "";
  }
}

async function readBody(req: IncomingMessage, limit = 16_384): Promise<string> {
  let body = "";
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > limit) break;
  }
  return body;
}
