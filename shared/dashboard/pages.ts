import type { Stage } from "../config/schema.js";
import type { LockState } from "../locks/lock.js";
import type { InsightDeployment } from "../insight/deployments.js";
import type { DoraFigures } from "../insight/dora.js";
import { STATE_ICON } from "../render/comment.js";

/**
 * The dashboard's pages, made on the server as plain HTML: no script at all (the
 * Content-Security-Policy allows none), every text from GitHub escaped, charts as SVG.
 */
export function escapeHtml(text: unknown): string {
  return String(text ?? "").replace(/[&<>"'`]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" })[c]!);
}

/** A link target only when it is a plain http(s) URL; anything else (`javascript:`) is dropped. */
export function safeUrl(url: unknown): string | null {
  if (typeof url !== "string") return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.toString() : null;
  } catch {
    return null;
  }
}

function link(text: string, url: unknown): string {
  const href = safeUrl(url);
  return href ? `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>` : escapeHtml(text);
}

export function formatMs(ms: number | null): string {
  if (ms === null) return "—";
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.max(Math.round(ms / 1000), 0)}s`;
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

const short = (sha: string) => sha.slice(0, 7);

export interface Viewer {
  login: string;
  csrf: string;
}

export function layout(title: string, viewer: Viewer | null, body: string): string {
  const account = viewer
    ? `<form method="post" action="/logout" class="account"><span>${escapeHtml(viewer.login)}</span><input type="hidden" name="csrf" value="${escapeHtml(viewer.csrf)}"><button type="submit">Sign out</button></form>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Shipline</title><link rel="stylesheet" href="/dashboard/static/style.css"></head>
<body><header><a href="/dashboard" class="brand">Shipline</a>${account}</header><main>
${body}
</main></body></html>`;
}

export function signInPage(): string {
  return layout("Sign in", null, `<h1>Delivery insight</h1><p>What runs where, what waits, and whether delivery is getting better.</p><p><a class="button" href="/login">Sign in with GitHub</a></p>`);
}

export function repositoriesPage(viewer: Viewer, repos: ReadonlyArray<{ fullName: string; private: boolean }>): string {
  const items = repos.length
    ? `<ul class="repos">${repos.map((r) => `<li><a href="/dashboard/${r.fullName.split("/").map(encodeURIComponent).join("/")}">${escapeHtml(r.fullName)}</a>${r.private ? ' <span class="tag">private</span>' : ""}</li>`).join("")}</ul>`
    : "<p>No repository with Shipline installed that you can read.</p>";
  return layout("Repositories", viewer, `<h1>Repositories</h1>${items}`);
}

export interface StageView {
  stage: Stage;
  live: InsightDeployment | null;
  lock: LockState | undefined;
  /** Deployments still running there, and SHAs that reached the stage before and wait for this one. */
  running: InsightDeployment[];
  waiting: Array<{ deployment: InsightDeployment; gate: string }>;
}

function deploymentLinks(repoUrl: string, d: InsightDeployment): string {
  const log = [...d.statuses].reverse().find((s) => s.logUrl)?.logUrl;
  const env = [...d.statuses].reverse().find((s) => s.environmentUrl)?.environmentUrl;
  return [link(short(d.sha), `${repoUrl}/commit/${d.sha}`), d.pull ? link(`#${d.pull.number}`, d.pull.url ?? `${repoUrl}/pull/${d.pull.number}`) : "", log ? link("log", log) : "", env ? link("open", env) : ""].filter(Boolean).join(" · ");
}

export function pipelinePage(input: { viewer: Viewer; repository: string; repoUrl: string; stages: StageView[]; dora: DoraFigures[]; days: number; readAt: string; base: string }): string {
  const { viewer, repository, repoUrl, stages, dora, days, readAt, base } = input;
  const cards = stages
    .map((s) => {
      const live = s.live
        ? `<p class="live">${STATE_ICON.success} <code>${short(s.live.sha)}</code> since ${escapeHtml(s.live.successAt)} by ${escapeHtml(s.live.actor)}</p>${s.live.pull ? `<p class="title">${escapeHtml(s.live.pull.title)}</p>` : ""}<p>${deploymentLinks(repoUrl, s.live)}</p>`
        : "<p>Nothing live yet.</p>";
      const lock = !s.lock ? "" : s.lock.kind === "held" ? `<p class="lock">🔒 locked by ${escapeHtml(s.lock.lock.holder)} since ${escapeHtml(s.lock.lock.since)}${s.lock.lock.reason ? `: ${escapeHtml(s.lock.lock.reason)}` : ""}</p>` : `<p class="lock">🔒 locked (unreadable lock)</p>`;
      const running = s.running.map((d) => `<li>${STATE_ICON[d.state] ?? ""} <code>${short(d.sha)}</code> ${escapeHtml(d.state)} (deployment ${d.id})</li>`);
      const waiting = s.waiting.map(({ deployment: d, gate }) => `<li class="held">⏸ <code>${short(d.sha)}</code>${d.pull ? ` ${escapeHtml(d.pull.title)}` : ""} waits: ${escapeHtml(gate)}</li>`);
      const list = running.length + waiting.length ? `<ul class="waiting">${[...running, ...waiting].join("")}</ul>` : "";
      return `<section class="stage"><h2><a href="${base}/env/${encodeURIComponent(s.stage.environment)}">${escapeHtml(s.stage.environment)}</a>${s.stage.production ? ' <span class="tag">production</span>' : ""}</h2>${live}${lock}${list}</section>`;
    })
    .join('<div class="arrow">→</div>');
  const windows = [7, 30, 90].map((d) => (d === days ? `<strong>${d} days</strong>` : `<a href="${base}?days=${d}">${d} days</a>`)).join(" · ");
  const rows = dora
    .map((f) => `<tr><th scope="row">${escapeHtml(f.environment)}</th><td>${f.deployments} (${f.perDay.toFixed(2)}/day)</td><td>${formatMs(f.leadTime.medianMs)}</td><td>${formatMs(f.leadTime.p90Ms)}</td><td>${f.changeFailureRate.rate === null ? "—" : `${Math.round(f.changeFailureRate.rate * 100)}% (${f.changeFailureRate.failed}/${f.changeFailureRate.ended})`}</td><td>${formatMs(f.timeToRestore.medianMs)}</td></tr>`)
    .join("");
  const charts = dora.map((f) => `<figure><figcaption>${escapeHtml(f.environment)}: deployments per day</figcaption>${barChart(f.daily)}<figcaption>lead time per change</figcaption>${leadTimeChart(f.leadTimes, f.days)}</figure>`).join("");
  return layout(repository, viewer, `<h1>${escapeHtml(repository)}</h1>
<p class="meta">Read from GitHub at ${escapeHtml(readAt)} · <a href="${base}?days=${days}&amp;refresh=1">refresh</a></p>
<div class="pipeline">${cards}</div>
<h2>DORA metrics</h2><p>${windows}</p>
<table class="dora" data-days="${days}"><thead><tr><th>Environment</th><th>Deployment frequency</th><th>Lead time (median)</th><th>Lead time (p90)</th><th>Change failure rate</th><th>Time to restore (median)</th></tr></thead><tbody>${rows}</tbody></table>
<div class="charts">${charts}</div>`);
}

const TRIGGER_WORDS: Record<InsightDeployment["trigger"], string> = { merge: "merge", command: "command", button: "button", promotion: "promotion", rollback: "rollback", auto_rollback: "automatic rollback", other: "other" };

export function historyPage(input: { viewer: Viewer; repository: string; repoUrl: string; environment: string; rows: InsightDeployment[]; rolledBack: ReadonlySet<number>; pageNumber: number; pages: number; at: string | null; liveAt: InsightDeployment | null; base: string }): string {
  const { viewer, repository, repoUrl, environment, rows, rolledBack, pageNumber, pages, at, liveAt, base } = input;
  const body = rows
    .map((d) => {
      const ended = d.endedAt ? formatMs(Date.parse(d.endedAt) - Date.parse(d.createdAt)) : "—";
      const mark = rolledBack.has(d.id) ? ' <span class="tag">↩️ rolled back</span>' : "";
      return `<tr><td>${d.id}</td><td>${STATE_ICON[d.state] ?? ""} ${escapeHtml(d.state)}${mark}</td><td>${escapeHtml(TRIGGER_WORDS[d.trigger])}</td><td>${escapeHtml(d.actor)}</td><td>${escapeHtml(d.createdAt)}</td><td>${ended}</td><td>${deploymentLinks(repoUrl, d)}</td><td>${d.pull ? escapeHtml(d.pull.title) : ""}</td></tr>`;
    })
    .join("");
  const nav = [pageNumber > 1 ? `<a href="${base}?page=${pageNumber - 1}">newer</a>` : "", `page ${pageNumber} of ${Math.max(pages, 1)}`, pageNumber < pages ? `<a href="${base}?page=${pageNumber + 1}">older</a>` : ""].filter(Boolean).join(" · ");
  const live = at === null ? "" : `<p class="live-at">Live at ${escapeHtml(at)}: ${liveAt ? `<code>${short(liveAt.sha)}</code> (deployment ${liveAt.id}, since ${escapeHtml(liveAt.successAt)})` : "nothing"}</p>`;
  return layout(`${environment} · ${repository}`, viewer, `<h1><a href="${base.replace(/\/env\/[^/]+$/, "")}">${escapeHtml(repository)}</a> · ${escapeHtml(environment)}</h1>
<form method="get" action="${base}" class="at"><label>What was live at <input name="at" type="datetime-local" step="1"${at ? ` value="${escapeHtml(at.slice(0, 19))}"` : ""}></label> <button type="submit">Show</button></form>${live}
<table class="history"><thead><tr><th>Deployment</th><th>State</th><th>Trigger</th><th>Who</th><th>Created</th><th>Duration</th><th>Links</th><th>Change</th></tr></thead><tbody>${body}</tbody></table>
<p class="nav">${nav}</p>`);
}

function barChart(daily: DoraFigures["daily"]): string {
  const w = 320;
  const h = 80;
  const max = Math.max(1, ...daily.map((d) => d.count));
  const bw = w / Math.max(daily.length, 1);
  const bars = daily.map((d, i) => `<rect x="${(i * bw).toFixed(1)}" y="${(h - (d.count / max) * h).toFixed(1)}" width="${Math.max(bw - 1, 1).toFixed(1)}" height="${((d.count / max) * h).toFixed(1)}"><title>${escapeHtml(d.day)}: ${d.count}</title></rect>`).join("");
  return `<svg class="bars" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="deployments per day">${bars}</svg>`;
}

function leadTimeChart(points: DoraFigures["leadTimes"], days: number): string {
  const w = 320;
  const h = 80;
  if (points.length === 0) return `<svg class="dots" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="no lead time yet"></svg>`;
  const max = Math.max(...points.map((p) => p.ms), 1);
  const end = Math.max(...points.map((p) => Date.parse(p.at)));
  const start = end - days * 86_400_000;
  const dots = points.map((p) => `<circle cx="${(((Date.parse(p.at) - start) / (end - start || 1)) * (w - 8) + 4).toFixed(1)}" cy="${(h - 4 - (p.ms / max) * (h - 8)).toFixed(1)}" r="3"><title>deployment ${p.id}: ${formatMs(p.ms)}</title></circle>`).join("");
  return `<svg class="dots" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="lead time per change">${dots}</svg>`;
}

export const STYLESHEET = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{display:flex;justify-content:space-between;align-items:center;padding:.6rem 1.2rem;background:#24292f;color:#fff}
header a.brand{color:#fff;font-weight:600;text-decoration:none}
.account{display:flex;gap:.6rem;align-items:center;margin:0}
main{padding:1rem 1.5rem;max-width:1200px}
.pipeline{display:flex;gap:.5rem;align-items:stretch;flex-wrap:wrap}
.stage{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:.4rem 1rem;min-width:240px}
.arrow{align-self:center;font-size:1.5rem;color:#57606a}
.tag{font-size:.75rem;border:1px solid #d0d7de;border-radius:1em;padding:0 .5em}
table{border-collapse:collapse;background:#fff}
th,td{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}
.bars rect{fill:#2da44e}.dots circle{fill:#0969da}
svg{background:#fff;border:1px solid #d0d7de}
figure{display:inline-block;margin:.5rem 1rem .5rem 0}
a.button{display:inline-block;background:#2da44e;color:#fff;padding:.5rem 1rem;border-radius:6px;text-decoration:none}
.meta{color:#57606a}
`;
