import type { InsightDeployment } from "./deployments.js";

/**
 * The four DORA figures of one environment over a window, computed from GitHub's deployments
 * and Shipline's payload markers alone (no incident tool):
 * - deployment frequency: deployments (not rollbacks) that succeeded in the window, per day;
 * - lead time for changes: first commit of the change (its pull request's first commit, else
 *   the commit itself) to that success; median and p90;
 * - change failure rate: of the deployments that ended in the window, those that failed, or
 *   that a rollback (by hand or automatic) later replaced;
 * - time to restore: from such a failure to the environment's next success; median.
 */
export interface DoraFigures {
  environment: string;
  days: number;
  deployments: number;
  perDay: number;
  leadTime: { medianMs: number | null; p90Ms: number | null; samples: number };
  changeFailureRate: { failed: number; ended: number; rate: number | null };
  timeToRestore: { medianMs: number | null; samples: number };
  /** Successful deployments per day, oldest day first: the frequency chart. */
  daily: Array<{ day: string; count: number }>;
  /** Each change's lead time, by the day it went live: the lead-time chart. */
  leadTimes: Array<{ at: string; ms: number; id: number }>;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile: the smallest value with at least p% of the values at or below it. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(Math.ceil((p / 100) * sorted.length) - 1, 0)]!;
}

const FAILED = new Set(["failure", "error"]);

/** The rollback (by hand or automatic) that replaced a deployment, if one did. */
function rollbackOf(d: InsightDeployment, all: readonly InsightDeployment[]): InsightDeployment | undefined {
  return all
    .filter((r) => r.task !== "deploy" && r.environment === d.environment && r.id > d.id && r.replaces && (r.replaces.id === d.id || (r.replaces.id === null && r.replaces.sha === d.sha)))
    .sort((a, b) => a.id - b.id)[0];
}

/** When a deployment turned out bad: its failure, or the moment a rollback replaced it. */
export function failedAt(d: InsightDeployment, all: readonly InsightDeployment[]): string | null {
  if (d.task !== "deploy") return null;
  return d.statuses.find((s) => FAILED.has(s.state))?.at ?? rollbackOf(d, all)?.createdAt ?? null;
}

export function doraFigures(all: readonly InsightDeployment[], environment: string, days: number, now: Date): DoraFigures {
  const from = now.getTime() - days * 86_400_000;
  // No upper bound: GitHub's clock may run a little ahead of ours, and nothing happens in the future.
  const inWindow = (at: string | null) => at !== null && Date.parse(at) >= from;
  const here = all.filter((d) => d.environment.toLowerCase() === environment.toLowerCase());
  const shipped = here.filter((d) => d.task === "deploy" && inWindow(d.successAt));

  const leadTimes = shipped
    .filter((d) => d.changeStartedAt)
    .map((d) => ({ at: d.successAt!, ms: Date.parse(d.successAt!) - Date.parse(d.changeStartedAt!), id: d.id }))
    .filter((l) => l.ms >= 0)
    .sort((a, b) => a.at.localeCompare(b.at));

  const ended = here.filter((d) => d.task === "deploy" && inWindow(d.endedAt));
  const failures = ended.map((d) => ({ d, at: failedAt(d, here) })).filter((f) => f.at !== null);

  const successes = here.filter((d) => d.successAt).map((d) => Date.parse(d.successAt!)).sort((a, b) => a - b);
  const restores = failures
    .map((f) => {
      const at = Date.parse(f.at!);
      const next = successes.find((s) => s > at);
      return next === undefined ? null : next - at;
    })
    .filter((ms): ms is number => ms !== null);

  const daily: DoraFigures["daily"] = [];
  for (let i = days - 1; i >= 0; i--) {
    const day = new Date(now.getTime() - i * 86_400_000).toISOString().slice(0, 10);
    daily.push({ day, count: shipped.filter((d) => d.successAt!.slice(0, 10) === day).length });
  }

  return {
    environment,
    days,
    deployments: shipped.length,
    perDay: shipped.length / days,
    leadTime: { medianMs: median(leadTimes.map((l) => l.ms)), p90Ms: percentile(leadTimes.map((l) => l.ms), 90), samples: leadTimes.length },
    changeFailureRate: { failed: failures.length, ended: ended.length, rate: ended.length ? failures.length / ended.length : null },
    timeToRestore: { medianMs: median(restores), samples: restores.length },
    daily,
    leadTimes,
  };
}

/** The deployment that was live in an environment at an instant: the last to succeed by then. */
export function liveAt(all: readonly InsightDeployment[], environment: string, at: Date): InsightDeployment | null {
  const t = at.getTime();
  return (
    all
      .filter((d) => d.environment.toLowerCase() === environment.toLowerCase() && d.successAt && Date.parse(d.successAt) <= t)
      .sort((a, b) => Date.parse(b.successAt!) - Date.parse(a.successAt!) || b.id - a.id)[0] ?? null
  );
}

/** Ids of deployments a later rollback replaced: "rolled back" in the history. */
export function rolledBackIds(all: readonly InsightDeployment[]): Set<number> {
  return new Set(all.filter((d) => d.task === "deploy" && rollbackOf(d, all)).map((d) => d.id));
}
