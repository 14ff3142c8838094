import type { FreezeWindow, Stage } from "../config/schema.js";
import { formatDuration } from "../config/duration.js";
import type { LockState } from "../locks/lock.js";
import type { CheckFact } from "../github/facts.js";

/**
 * Shipline's deployment protection gates. Each is a pure function of facts and a clock: a
 * gate approves, rejects (the deployment must not run), or is pending (not yet: checks
 * still running, soak not over), which is never a rejection.
 */
export type GateState = "approved" | "rejected" | "pending";
export type GateName = "checks" | "freeze" | "soak" | "lock" | "order" | "approval" | "outdated";

/** Each gate's reason code, as `/deploy` refuses and a held promotion names it. */
export const GATE_REASON = { checks: "gate_checks", freeze: "gate_freeze", soak: "gate_soak", lock: "locked", order: "order", approval: "waiting_approval", outdated: "outdated" } as const satisfies Record<GateName, string>;

export interface GateResult {
  gate: GateName;
  state: GateState;
  /** A sentence a person understands, shown on GitHub. */
  message: string;
  /**
   * When a pending gate will pass by itself (a soak ending): no event announces it, so the
   * decision must be taken again then.
   */
  decideAgainAt?: string;
}

const WEEKDAY = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 } as const;

/** The wall-clock time of an instant in a time zone: what the people of that zone read. */
export function wallClock(at: Date, timezone: string): { day: number; minute: number; stamp: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone: timezone, hourCycle: "h23", weekday: "short", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  const hour = Number(parts.hour) % 24;
  return {
    day: WEEKDAY[parts.weekday as keyof typeof WEEKDAY],
    minute: hour * 60 + Number(parts.minute),
    stamp: `${parts.year}-${parts.month}-${parts.day}T${String(hour).padStart(2, "0")}:${parts.minute}`,
  };
}

/**
 * Whether an instant falls in a freeze window, read in the window's time zone (so a window
 * keeps its wall-clock hours across daylight-saving changes). Weekly windows may wrap past
 * the end of the week (`fri 18:00` to `mon 08:00`); the end is exclusive.
 */
export function inFreezeWindow(window: FreezeWindow, at: Date): boolean {
  const local = wallClock(at, window.timezone);
  if (window.kind === "dated") return local.stamp >= window.from && local.stamp < window.to;
  const now = local.day * 1440 + local.minute;
  const from = window.from.day * 1440 + window.from.minute;
  const to = window.to.day * 1440 + window.to.minute;
  return from <= to ? now >= from && now < to : now >= from || now < to;
}

export function freezeGate(stage: Stage, at: Date, override: boolean): GateResult {
  const window = stage.freeze.find((w) => inFreezeWindow(w, at));
  if (!window) return { gate: "freeze", state: "approved", message: `${stage.environment} is not in a freeze window.` };
  const why = window.reason ? ` (${window.reason})` : "";
  if (override) return { gate: "freeze", state: "approved", message: `${stage.environment} is frozen${why}, overridden by an admin.` };
  // A command is refused; a held promotion reads again when the freeze ends.
  return { gate: "freeze", state: "rejected", message: `${stage.environment} is frozen${why} until ${describePoint(window.to)} ${window.timezone}.`, decideAgainAt: freezeEndsAt(stage.freeze, at).toISOString() };
}

/**
 * The first minute, after `at`, that no freeze window covers: the windows are wall-clock times
 * in their zones, so it is found by reading the clock forward (5-minute steps, then minutes),
 * at most `horizonMs` ahead; past that, the horizon itself (a later reading finds the rest).
 */
export function freezeEndsAt(windows: readonly FreezeWindow[], at: Date, horizonMs = 6 * 3600_000): Date {
  const frozen = (t: number) => windows.some((w) => inFreezeWindow(w, new Date(t)));
  const start = Math.floor(at.getTime() / 60_000) * 60_000;
  for (let t = start + 5 * 60_000; t <= start + horizonMs; t += 5 * 60_000) {
    if (frozen(t)) continue;
    for (let m = t - 4 * 60_000; m < t; m += 60_000) if (!frozen(m)) return new Date(m);
    return new Date(t);
  }
  return new Date(start + horizonMs);
}

function describePoint(point: FreezeWindow["to"]): string {
  if (typeof point === "string") return point.replace("T", " ");
  const day = Object.keys(WEEKDAY)[point.day]!;
  return `${day} ${String(Math.floor(point.minute / 60)).padStart(2, "0")}:${String(point.minute % 60).padStart(2, "0")}`;
}

export type { CheckFact };

const GREEN = new Set(["success", "neutral", "skipped"]);

/**
 * The required checks on the exact SHA: `all` of them, or the named ones. The newest run of
 * a name wins (a re-run replaces the failure it re-ran).
 */
export function checksGate(stage: Stage, checks: readonly CheckFact[]): GateResult {
  if (stage.checks === "none") return { gate: "checks", state: "approved", message: "No checks are required here." };
  const newest = new Map<string, CheckFact>();
  for (const c of [...checks].sort((a, b) => a.id - b.id)) newest.set(c.name, c);
  const required = stage.checks === "all" ? [...newest.keys()] : stage.checks;
  const missing = required.filter((name) => !newest.has(name));
  const failed = required.filter((name) => {
    const c = newest.get(name);
    return c && (c.status === "completed" ? !GREEN.has(c.conclusion ?? "") : c.status === "failure" || c.status === "error");
  });
  const running = required.filter((name) => {
    const c = newest.get(name);
    return c && c.status !== "completed" && !["success", "failure", "error"].includes(c.status);
  });
  const list = (names: string[]) => names.map((n) => `\`${n}\``).join(", ");
  if (failed.length) return { gate: "checks", state: "rejected", message: `Required checks failed: ${list(failed)}.` };
  if (running.length || missing.length) {
    const parts = [running.length ? `running: ${list(running)}` : "", missing.length ? `not reported yet: ${list(missing)}` : ""].filter(Boolean);
    return { gate: "checks", state: "pending", message: `Waiting for required checks (${parts.join("; ")}).` };
  }
  return { gate: "checks", state: "approved", message: required.length ? `Required checks are green: ${list(required)}.` : "No check reported on this commit." };
}

/**
 * The same SHA must have run successfully in the previous stage for the soak time of that
 * stage before this one takes it. `successAt` is when it first succeeded there.
 */
export function soakGate(previous: Stage | undefined, successAt: string | null, at: Date): GateResult {
  if (!previous?.soak) return { gate: "soak", state: "approved", message: "No soak time before this stage." };
  if (!successAt) return { gate: "soak", state: "pending", message: `Not yet deployed successfully to ${previous.environment}.` };
  const elapsed = at.getTime() - Date.parse(successAt);
  if (elapsed >= previous.soak) return { gate: "soak", state: "approved", message: `Soaked ${formatDuration(elapsed)} in ${previous.environment} (at least ${formatDuration(previous.soak)}).` };
  return {
    gate: "soak",
    state: "pending",
    message: `Soaking in ${previous.environment}: ${formatDuration(previous.soak - elapsed)} to go of ${formatDuration(previous.soak)}.`,
    decideAgainAt: new Date(Date.parse(successAt) + previous.soak).toISOString(),
  };
}

export function lockGate(stage: Stage, lock: LockState | undefined, actor: string): GateResult {
  if (!lock) return { gate: "lock", state: "approved", message: `${stage.environment} is not locked.` };
  if (lock.kind === "held" && lock.lock.holder === actor) return { gate: "lock", state: "approved", message: `${stage.environment} is locked by ${actor}, who deploys.` };
  const who = lock.kind === "held" ? `${lock.lock.holder} since ${lock.lock.since}${lock.lock.reason ? `: ${lock.lock.reason}` : ""}` : "a lock that cannot be read";
  return { gate: "lock", state: "rejected", message: `${stage.environment} is locked by ${who}.` };
}

/** All gates together: any rejection rejects, else any pending waits, else approved. */
export function combineGates(results: readonly GateResult[]): { state: GateState; decidedBy: GateResult | null } {
  const rejected = results.find((r) => r.state === "rejected");
  if (rejected) return { state: "rejected", decidedBy: rejected };
  const pending = results.find((r) => r.state === "pending");
  if (pending) return { state: "pending", decidedBy: pending };
  return { state: "approved", decidedBy: null };
}

/**
 * A promotion a gate holds: nothing is created; it is decided again when the awaited thing
 * changes (a check completes, an approval arrives, the soak or the freeze ends).
 */
export interface HeldPromotion {
  kind: "hold";
  stage: Stage;
  stageIndex: number;
  sha: string;
  marker: string;
  /** The gate that holds it, named to people. */
  gate: GateResult;
  gates: GateResult[];
}

/**
 * When a held promotion should be read again by itself: the first soak or freeze to end (what
 * holds it then may change, an approval still missing for instance); null when only an event
 * (a check, an approval) can change it.
 */
export function decideAgainAtOf(hold: HeldPromotion): string | null {
  return hold.gates.filter((g) => g.state !== "approved" && g.decideAgainAt).map((g) => g.decideAgainAt!).sort()[0] ?? null;
}
