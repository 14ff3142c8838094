import { describe, expect, it } from "vitest";
import type { InsightDeployment } from "../shared/insight/deployments.js";
import { doraFigures, liveAt, median, percentile, rolledBackIds } from "../shared/insight/dora.js";

const H = 3600_000;
/** A production deployment, its statuses given as [state, time] pairs. */
function d(id: number, o: { task?: string; changeStartedAt?: string; createdAt: string; statuses: Array<[string, string]>; replaces?: number; trigger?: InsightDeployment["trigger"]; environment?: string }): InsightDeployment {
  const statuses = o.statuses.map(([state, at]) => ({ state, at, logUrl: null, environmentUrl: null }));
  return {
    id,
    sha: String(id).padStart(40, "0"),
    environment: o.environment ?? "production",
    task: o.task ?? "deploy",
    trigger: o.trigger ?? (o.task ? "rollback" : "promotion"),
    actor: "bob",
    createdAt: o.createdAt,
    statuses,
    state: statuses.at(-1)?.state ?? "queued",
    successAt: statuses.find((s) => s.state === "success")?.at ?? null,
    endedAt: statuses.find((s) => ["success", "failure", "error"].includes(s.state))?.at ?? null,
    pull: null,
    changeStartedAt: o.changeStartedAt ?? null,
    replaces: o.replaces === undefined ? null : { id: o.replaces, sha: null },
    checks: [],
  };
}

// A week of production, computed by hand below.
const HISTORY = [
  d(5, { changeStartedAt: "2026-11-19T08:00:00Z", createdAt: "2026-11-20T08:00:00Z", statuses: [["success", "2026-11-20T09:00:00Z"]] }),
  d(10, { changeStartedAt: "2026-12-01T08:00:00Z", createdAt: "2026-12-02T09:00:00Z", statuses: [["in_progress", "2026-12-02T09:01:00Z"], ["success", "2026-12-02T10:00:00Z"]] }),
  d(11, { changeStartedAt: "2026-12-03T10:00:00Z", createdAt: "2026-12-03T11:00:00Z", statuses: [["success", "2026-12-03T12:00:00Z"]] }),
  d(12, { task: "deploy:rollback", createdAt: "2026-12-03T13:00:00Z", statuses: [["success", "2026-12-03T13:30:00Z"]], replaces: 11 }),
  d(13, { changeStartedAt: "2026-12-04T09:00:00Z", createdAt: "2026-12-05T09:00:00Z", statuses: [["failure", "2026-12-05T09:10:00Z"]] }),
  d(14, { task: "deploy:rollback", trigger: "auto_rollback", createdAt: "2026-12-05T09:11:00Z", statuses: [["success", "2026-12-05T09:20:00Z"]], replaces: 13 }),
  d(15, { changeStartedAt: "2026-12-06T06:00:00Z", createdAt: "2026-12-06T07:00:00Z", statuses: [["success", "2026-12-06T08:00:00Z"]] }),
  d(16, { environment: "staging", changeStartedAt: "2026-12-06T06:00:00Z", createdAt: "2026-12-06T06:30:00Z", statuses: [["failure", "2026-12-06T06:40:00Z"]] }),
];
const NOW = new Date("2026-12-07T12:00:00Z");

describe("DORA figures from deployments and Shipline's markers", () => {
  it("equal the figures computed by hand for a scripted week", () => {
    const f = doraFigures(HISTORY, "production", 7, NOW);
    // Shipped in the window: 10, 11 and 15 (the rollbacks are not deployments of a change; 5 is older).
    expect(f.deployments).toBe(3);
    expect(f.perDay).toBeCloseTo(3 / 7);
    // Lead times 26 h, 2 h, 2 h: median 2 h, p90 (nearest rank, 3rd of 3) 26 h.
    expect(f.leadTime).toEqual({ medianMs: 2 * H, p90Ms: 26 * H, samples: 3 });
    // Ended in the window: 10, 11, 13, 15; failed: 11 (rolled back by hand), 13 (failed, rolled back automatically).
    expect(f.changeFailureRate).toEqual({ failed: 2, ended: 4, rate: 0.5 });
    // Restored after 30 min (11: rollback created 13:00, live 13:30) and 10 min (13: failed 09:10, rollback live 09:20).
    expect(f.timeToRestore).toEqual({ medianMs: 20 * 60_000, samples: 2 });
    expect(f.daily.map((x) => x.count)).toEqual([0, 1, 1, 0, 0, 1, 0]);
    expect(f.daily[0]!.day).toBe("2026-12-01");
  });

  it("counts only the window asked (7, 30, 90 days) and only that environment", () => {
    expect(doraFigures(HISTORY, "production", 30, NOW).deployments).toBe(4);
    expect(doraFigures(HISTORY, "staging", 7, NOW)).toMatchObject({ deployments: 0, changeFailureRate: { failed: 1, ended: 1, rate: 1 }, timeToRestore: { medianMs: null, samples: 0 } });
    expect(doraFigures([], "production", 7, NOW)).toMatchObject({ deployments: 0, leadTime: { medianMs: null, p90Ms: null }, changeFailureRate: { rate: null } });
  });

  it("says what was live at a time, and which deployments a rollback replaced", () => {
    expect(liveAt(HISTORY, "production", new Date("2026-12-03T13:15:00Z"))?.id).toBe(11);
    expect(liveAt(HISTORY, "production", new Date("2026-12-05T10:00:00Z"))?.id).toBe(14);
    expect(liveAt(HISTORY, "production", new Date("2026-11-01T00:00:00Z"))).toBeNull();
    expect([...rolledBackIds(HISTORY)].sort()).toEqual([11, 13]);
  });

  it("median and nearest-rank percentile", () => {
    expect(median([3, 1, 2, 10])).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([5], 90)).toBe(5);
  });
});

describe("the pipeline's stages on the dashboard", () => {
  it("says at which gate a SHA that left the previous stage waits", async () => {
    const { stageViews } = await import("../shared/dashboard/site.js");
    const { parseConfig } = await import("../shared/config/schema.js");
    const parsed = parseConfig({ stages: [{ environment: "staging", auto: true, soak: "1h" }, { environment: "production", auto: true, checks: ["ci/test"] }] });
    if (!parsed.ok) throw new Error("config");
    const staged = { ...d(20, { environment: "staging", createdAt: "2026-12-07T10:00:00Z", statuses: [["success", "2026-12-07T10:05:00Z"]] }), checks: [{ name: "ci/test", id: 1, status: "completed", conclusion: "failure" }] };
    const soaking = { ...d(21, { environment: "staging", createdAt: "2026-12-07T11:30:00Z", statuses: [["success", "2026-12-07T11:40:00Z"]] }), checks: [{ name: "ci/test", id: 2, status: "completed", conclusion: "success" }] };
    const page = { repository: "acme/shop", url: "https://github.com/acme/shop", defaultBranch: "main", configText: null, locks: new Map(), deployments: [soaking, staged], olderCursor: null };
    const [, production] = stageViews(parsed.config, page, NOW);
    expect(production!.waiting.map((w) => [w.deployment.id, w.gate])).toEqual([
      [21, "soak: Soaking in staging: 40m to go of 1h."],
      [20, "checks: Required checks failed: `ci/test`."],
    ]);
  });
});

describe("the dashboard's store: sessions and cached reads, shared by replicas through Redis", () => {
  it("keeps a value until it expires, in memory and in Redis alike", async () => {
    const { MemoryStore, RedisStore } = await import("../shared/dashboard/store.js");
    const { Redis } = await import("ioredis");
    const { redisAnswers } = await import("./helpers/redis.js");
    if (!(await redisAnswers())) throw new Error("Redis must answer on 127.0.0.1:6379 (.ci/run starts one)");
    let clock = 1_000_000;
    const memory = new MemoryStore(() => clock);
    const redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
    const prefix = `shipline:test:${process.pid}:${Date.now()}:`;
    const shared = new RedisStore(redis, prefix);
    const other = new RedisStore(redis, prefix);
    try {
      await memory.set("session:a", "alice", 60);
      await shared.set("session:a", "alice", 1);
      expect(await memory.get("session:a")).toBe("alice");
      // Another replica reads what this one wrote.
      expect(await other.get("session:a")).toBe("alice");
      clock += 61_000;
      expect(await memory.get("session:a")).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await other.get("session:a")).toBeNull();
      await shared.set("session:b", "bob", 60);
      await other.delete("session:b");
      expect(await shared.get("session:b")).toBeNull();
    } finally {
      redis.disconnect();
    }
  });
});
