import type { Context, Probot } from "probot";
import type { InstallationContext } from "./github.js";

/**
 * Decisions due at a known time (a soak ending), which no webhook will announce. GitHub keeps
 * the state (the waiting run, the deployments): a timer only says when to read it again, so
 * losing one to a restart costs a delay, never a wrong decision; the next check completing on
 * that commit decides too. Several replicas may each fire: answering an already-answered run
 * is refused by GitHub and harmless.
 */
export const decideAgain = {
  timers: new Map<string, ReturnType<typeof setTimeout>>(),
  /** Replaced by tests to run a due decision at once. */
  setTimer: (run: () => void, ms: number): ReturnType<typeof setTimeout> => setTimeout(run, ms),
  /** Longest wait for one timer; a longer soak is re-scheduled when this one fires. */
  maxWaitMs: 6 * 3600_000,

  schedule(key: string, atMs: number, run: () => Promise<void>, now = Date.now()): void {
    const existing = this.timers.get(key);
    if (existing) clearTimeout(existing);
    // A second past the boundary: the soak gate must see the time as reached.
    const wait = Math.min(Math.max(atMs - now + 1000, 0), this.maxWaitMs);
    const timer = this.setTimer(() => {
      this.timers.delete(key);
      void run();
    }, wait);
    // A pending decision must never keep the process alive on shutdown.
    (timer as { unref?: () => void }).unref?.();
    this.timers.set(key, timer);
  },
};

/**
 * Decides again at `atMs` with the installation's token renewed through Probot (the event's may
 * have expired by then); a failure is logged, and the next event on that commit decides instead.
 */
export function decideLater<C extends InstallationContext>(app: Probot, context: C, key: string, atMs: number, what: string, run: (fresh: C) => Promise<void>): void {
  decideAgain.schedule(key, atMs, async () => {
    try {
      const octokit = (await app.auth(context.installationId)) as Context["octokit"];
      await run({ ...context, octokit });
    } catch (error) {
      context.log.warn({ err: error, key }, `deciding ${what} again failed; the next event on that commit decides`);
    }
  });
}
