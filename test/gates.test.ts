import { describe, expect, it } from "vitest";
import { parseConfig, type Stage } from "../shared/config/schema.js";
import { checksGate, combineGates, freezeGate, inFreezeWindow, lockGate, soakGate, wallClock } from "../shared/gates/gates.js";

function stage(raw: Record<string, unknown>): Stage {
  const result = parseConfig({ stages: [{ environment: "production", production: true, ...raw }] });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config.stages[0]!;
}
const at = (iso: string) => new Date(iso);

describe("freeze windows, read in their own time zone", () => {
  const weekend = stage({ freeze: [{ from: "fri 18:00", to: "mon 08:00", timezone: "Europe/Paris", reason: "weekend" }] }).freeze[0]!;
  const night = stage({ freeze: [{ from: "mon 22:00", to: "tue 06:00", timezone: "America/New_York" }] }).freeze[0]!;
  const holidays = stage({ freeze: [{ from: "2026-12-24 00:00", to: "2026-12-27 00:00", timezone: "Asia/Tokyo" }] }).freeze[0]!;

  it.each([
    // Paris is UTC+1 in winter, UTC+2 in summer.
    ["2026-11-27T16:59:00Z", weekend, false, "Friday 17:59 in Paris"],
    ["2026-11-27T17:00:00Z", weekend, true, "Friday 18:00 in Paris: starts"],
    ["2026-11-29T23:30:00Z", weekend, true, "Monday 00:30 in Paris, across midnight and the week's end"],
    ["2026-11-30T06:59:00Z", weekend, true, "Monday 07:59 in Paris"],
    ["2026-11-30T07:00:00Z", weekend, false, "Monday 08:00 in Paris: the end is exclusive"],
    ["2026-06-26T16:00:00Z", weekend, true, "Friday 18:00 in Paris in summer (UTC+2)"],
    ["2026-06-26T15:59:00Z", weekend, false, "Friday 17:59 in Paris in summer"],
    // Daylight saving ends in Europe on 2026-10-25 (Sunday): Monday 07:30 is then 06:30 UTC.
    ["2026-10-26T06:30:00Z", weekend, true, "Monday 07:30 in Paris, the day after the clocks went back"],
    ["2026-10-26T07:00:00Z", weekend, false, "Monday 08:00 in Paris after the change"],
    // Daylight saving starts in the US on 2026-03-08: Monday 23:00 in New York is 03:00 UTC Tuesday.
    ["2026-03-10T03:00:00Z", night, true, "Monday 23:00 in New York after the clocks went forward"],
    ["2026-03-10T10:59:00Z", night, false, "Tuesday 06:59 in New York is after 06:00"],
    ["2026-03-10T09:59:00Z", night, true, "Tuesday 05:59 in New York"],
    ["2026-12-23T14:59:00Z", holidays, false, "23:59 on the 23rd in Tokyo"],
    ["2026-12-23T15:00:00Z", holidays, true, "00:00 on the 24th in Tokyo"],
    ["2026-12-26T14:59:00Z", holidays, true, "23:59 on the 26th in Tokyo"],
    ["2026-12-26T15:00:00Z", holidays, false, "00:00 on the 27th in Tokyo: the end is exclusive"],
  ])("%s (%s)", (instant, window, frozen) => expect(inFreezeWindow(window, at(instant))).toBe(frozen));

  it("reads wall clocks with the zone's own offset", () => {
    expect(wallClock(at("2026-11-30T07:00:00Z"), "Europe/Paris")).toEqual({ day: 1, minute: 480, stamp: "2026-11-30T08:00" });
  });

  it("rejects in a window with the reason and the end, and lets an admin override", () => {
    const s = stage({ freeze: [{ from: "fri 18:00", to: "mon 08:00", timezone: "Europe/Paris", reason: "weekend" }] });
    // A held promotion reads again when the freeze ends, or after 6 hours when it ends later.
    expect(freezeGate(s, at("2026-11-28T12:00:00Z"), false)).toEqual({ gate: "freeze", state: "rejected", message: "production is frozen (weekend) until Mon 08:00 Europe/Paris.", decideAgainAt: "2026-11-28T18:00:00.000Z" });
    expect(freezeGate(s, at("2026-11-30T05:33:20Z"), false).decideAgainAt).toBe("2026-11-30T07:00:00.000Z");
    expect(freezeGate(s, at("2026-11-28T12:00:00Z"), true).state).toBe("approved");
    expect(freezeGate(s, at("2026-11-25T12:00:00Z"), false).state).toBe("approved");
  });
});

describe("checksGate", () => {
  const c = (name: string, id: number, status: string, conclusion: string | null = null) => ({ name, id, status, conclusion });
  it.each([
    ["all green", "all", [c("test", 1, "completed", "success"), c("lint", 2, "completed", "neutral")], "approved"],
    ["one failed", "all", [c("test", 1, "completed", "failure"), c("lint", 2, "completed", "success")], "rejected"],
    ["a re-run replaced the failure", "all", [c("test", 1, "completed", "failure"), c("test", 5, "completed", "success")], "approved"],
    ["a re-run is still running", "all", [c("test", 1, "completed", "success"), c("test", 5, "in_progress")], "pending"],
    ["named check not reported yet", ["test", "e2e"], [c("test", 1, "completed", "success")], "pending"],
    ["named checks green, others failing", ["test"], [c("test", 1, "completed", "success"), c("flaky", 2, "completed", "failure")], "approved"],
    ["commit status error", ["ci/build"], [c("ci/build", 3, "error")], "rejected"],
    ["commit status pending", ["ci/build"], [c("ci/build", 3, "pending")], "pending"],
    ["commit status success", ["ci/build"], [c("ci/build", 3, "success")], "approved"],
    ["timed out counts as failed", "all", [c("test", 1, "completed", "timed_out")], "rejected"],
    ["none required", "none", [c("test", 1, "completed", "failure")], "approved"],
  ])("%s", (_name, checks, facts, state) => expect(checksGate(stage({ checks }), facts).state).toBe(state));

  it("names what it waits for", () => {
    expect(checksGate(stage({ checks: ["test", "e2e"] }), [c("test", 1, "in_progress")]).message).toBe("Waiting for required checks (running: `test`; not reported yet: `e2e`).");
  });
});

describe("soakGate", () => {
  const staging = parseConfig({ stages: [{ environment: "staging", soak: "30m" }, { environment: "production" }] });
  const previous = staging.ok ? staging.config.stages[0] : undefined;
  it.each([
    ["2026-11-23T10:00:00Z", "2026-11-23T10:29:59Z", "pending", "Soaking in staging: 1s to go of 30m.", "2026-11-23T10:30:00.000Z"],
    ["2026-11-23T10:00:00Z", "2026-11-23T10:30:00Z", "approved", "Soaked 30m in staging (at least 30m).", undefined],
    ["2026-11-23T10:00:00Z", "2026-11-23T12:00:00Z", "approved", "Soaked 2h in staging (at least 30m).", undefined],
    // Not deployed yet: a deployment status, not the clock, will change this.
    [null, "2026-11-23T12:00:00Z", "pending", "Not yet deployed successfully to staging.", undefined],
  ])("success at %s, now %s: %s", (successAt, now, state, message, decideAgainAt) =>
    expect(soakGate(previous, successAt, at(now))).toEqual({ gate: "soak", state, message, ...(decideAgainAt ? { decideAgainAt } : {}) }),
  );

  it("approves at once when the previous stage has no soak time", () => {
    expect(soakGate(undefined, null, at("2026-11-23T10:00:00Z")).state).toBe("approved");
  });
});

describe("lockGate and combineGates", () => {
  const s = stage({});
  it("rejects a lock held by someone else, or unreadable; passes its holder", () => {
    const held = { kind: "held" as const, lock: { environment: "production", holder: "carol", reason: "incident", since: "2026-11-23T07:00:00Z" } };
    expect(lockGate(s, held, "bob")).toEqual({ gate: "lock", state: "rejected", message: "production is locked by carol since 2026-11-23T07:00:00Z: incident." });
    expect(lockGate(s, held, "carol").state).toBe("approved");
    expect(lockGate(s, { kind: "unreadable", since: null }, "carol").state).toBe("rejected");
    expect(lockGate(s, undefined, "bob").state).toBe("approved");
  });

  it("rejects on any rejection, waits on any pending, else approves", () => {
    const r = (gate: "checks" | "soak", state: "approved" | "rejected" | "pending") => ({ gate, state, message: gate });
    expect(combineGates([r("checks", "pending"), r("soak", "rejected")])).toMatchObject({ state: "rejected", decidedBy: { gate: "soak" } });
    expect(combineGates([r("checks", "pending"), r("soak", "approved")])).toMatchObject({ state: "pending", decidedBy: { gate: "checks" } });
    expect(combineGates([r("checks", "approved"), r("soak", "approved")])).toEqual({ state: "approved", decidedBy: null });
  });
});

describe("approvalGate: one SHA, one environment, never the author", () => {
  const SHA = "a".repeat(40);
  const OTHER = "b".repeat(40);
  const a = (login: string, environment = "production", sha = SHA) => ({ environment, sha, login, at: "2026-12-07T00:00:00Z" });
  it("counts only approvals of this SHA in this environment, one per person, the author's aside", async () => {
    const { approvalGate } = await import("../shared/gates/approvals.js");
    const s = stage({ approvals: { count: 2, from: ["alice", "bob", "carol"] } });
    // Another SHA, another environment, the author, and the same person twice: none make a second approval.
    const given = [a("bob"), a("bob"), a("carol", "production", OTHER), a("carol", "staging"), a("alice")];
    expect(approvalGate(s, SHA, given, "alice")).toMatchObject({ state: "pending", message: "Waiting for 1 approval from alice, bob or carol (approved by bob): `/approve production`." });
    expect(approvalGate(s, SHA, [...given, a("carol")], "alice")).toMatchObject({ state: "approved", message: "Approved for production by bob, carol." });
    // Where the stage allows it, the author's own counts.
    expect(approvalGate(stage({ approvals: { count: 2 }, allow_self_approval: true }), SHA, given, "alice").state).toBe("approved");
    expect(approvalGate(stage({}), SHA, [], "alice")).toMatchObject({ state: "approved", message: "production needs no approval." });
  });
});
