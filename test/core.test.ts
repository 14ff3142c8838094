import { DEFAULT_CATEGORIES } from "../shared/config/release-notes-defaults.js";
import { describe, expect, it } from "vitest";
import { defaultConfig, parseConfig } from "../shared/config/schema.js";
import { formatDuration, parseDuration } from "../shared/config/duration.js";
import { escapeMarkdown } from "../shared/render/markdown.js";
import { mergeTarget, pullRequestFromMessage } from "../shared/pipeline/merge-target.js";
import { isShiplineDeployment, mergeDeployment } from "../shared/deployments/merge.js";

describe("parseDuration", () => {
  it.each([
    ["30m", 1_800_000],
    ["2h", 7_200_000],
    ["1h30m", 5_400_000],
    ["45s", 45_000],
    ["1d", 86_400_000],
    ["1d2h3m4s", 93_784_000],
    ["0m", 0],
    ["200ms", 200],
    ["1s500ms", 1_500],
    ["30ms", 30],
    ["thirty", undefined],
    ["", undefined],
    ["30 m", undefined],
    ["1m1h", undefined],
    ["-5m", undefined],
  ])("%s -> %s", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each([
    [5_400_000, "1h30m"],
    [0, "0s"],
    [250, "250ms"],
    [93_784_000, "1d2h3m4s"],
  ])("formats %d as %s", (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe("parseConfig", () => {
  it("gives staging (auto) then production (manual, maintain) when the file is absent", () => {
    expect(defaultConfig().stages).toEqual([
      { environment: "staging", auto: true, production: false, freeze: [], checks: "all", permission: "write", require_approval: false, require_checks: false, auto_rollback: false, require_previous: true, require_up_to_date: false, allow_self_approval: false },
      { environment: "production", auto: false, production: true, freeze: [], checks: "all", permission: "maintain", require_approval: true, require_checks: true, auto_rollback: false, require_previous: true, require_up_to_date: false, allow_self_approval: false },
    ]);
  });

  it("treats an empty file, and one with only `_extends`, as the default pipeline", () => {
    expect(parseConfig({})).toEqual({ ok: true, config: defaultConfig() });
    expect(parseConfig({ _extends: ".github" })).toEqual({ ok: true, config: defaultConfig() });
  });

  it("parses every field of a full stage", () => {
    const result = parseConfig({
      stages: [
        {
          environment: "prod-eu",
          auto: true,
          production: true,
          url: "https://eu.example.com",
          permission: "admin",
          soak: "1h30m",
          checks: ["ci/test", "lint"],
          require_approval: false,
          approvals: { count: 2, from: ["alice", "@acme/release-managers"] },
          allow_self_approval: true,
          freeze: [
            { from: "Fri 18:00", to: "mon 08:00", timezone: "Europe/Paris", reason: "weekend" },
            { from: "2026-12-24", to: "2026-12-26 23:59" },
          ],
        },
      ],
    });
    expect(result).toEqual({
      ok: true,
      config: {
        allow_forks: false,
        release_notes: { enabled: false, publish: "draft", exclude_labels: ["skip-changelog", "no-release-notes"], categories: DEFAULT_CATEGORIES, version_labels: { major: ["major"], minor: ["minor"], patch: ["patch"] }, max_commits: 5000 },
        stages: [
          {
            environment: "prod-eu",
            auto: true,
            production: true,
            url: "https://eu.example.com",
            permission: "admin",
            soak: 5_400_000,
            checks: ["ci/test", "lint"],
            require_approval: false,
            require_checks: true,
            auto_rollback: false,
            require_previous: true,
            require_up_to_date: false,
            approvals: { count: 2, from: ["alice", "@acme/release-managers"] },
            allow_self_approval: true,
            freeze: [
              { kind: "weekly", from: { day: 5, minute: 1080 }, to: { day: 1, minute: 480 }, timezone: "Europe/Paris", reason: "weekend" },
              { kind: "dated", from: "2026-12-24T00:00", to: "2026-12-26T23:59", timezone: "UTC" },
            ],
          },
        ],
      },
    });
  });

  it.each([
    [{ stages: [{ environment: "a", freeze: [{ from: "2026-02-30", to: "2026-03-01" }] }] }, "stages[0].freeze[0].from"],
    [{ stages: [{ environment: "a", freeze: [{ from: "fri 25:00", to: "sat 01:00" }] }] }, "stages[0].freeze[0].from"],
    [{ stages: [{ environment: "a b" }] }, "stages[0].environment"],
    [{ stages: [{ environment: "-x" }] }, "stages[0].environment"],
    [{ stages: Array.from({ length: 11 }, (_, i) => ({ environment: `e${i}` })) }, "stages"],
    [{ stages: [{ environment: "a", checks: [] }] }, "stages[0].checks"],
    [{ stages: [{ environment: "a", production: "yes" }] }, "stages[0].production"],
    [{ stages: "staging" }, "stages"],
  ])("rejects %j at %s", (raw, path) => {
    const result = parseConfig(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.path)).toContain(path);
  });
});

describe("pullRequestFromMessage", () => {
  it.each([
    ["Merge pull request #42 from octo/feature\n\nBody", 42],
    ["Add a thing (#7)", 7],
    ["Add a thing (#7)\n\n* commit one", 7],
    ["Fix #12 in the parser", null],
    ["Revert \"Add a thing (#7)\"", null],
    ["Initial commit", null],
    ["", null],
  ])("%j -> %s", (message, pr) => expect(pullRequestFromMessage(message)).toBe(pr));
});

describe("mergeTarget", () => {
  const base = {
    ref: "refs/heads/main",
    after: "a".repeat(40),
    deleted: false,
    head_commit: { id: "a".repeat(40), message: "Ship it (#3)\n\nmore" },
    repository: { default_branch: "main" },
    sender: { login: "octocat" },
  };
  it("takes the head commit of a push to the default branch", () => {
    expect(mergeTarget(base)).toEqual({
      target: { sha: "a".repeat(40), title: "Ship it (#3)", actor: "octocat", pullRequest: 3, trigger: "merge" },
    });
  });
  it.each([
    [{ ref: "refs/heads/feature" }, "not_default_branch"],
    [{ ref: "refs/tags/v1.0.0" }, "not_default_branch"],
    [{ ref: "refs/heads/main-old" }, "not_default_branch"],
    [{ deleted: true }, "branch_deleted"],
    [{ head_commit: null }, "no_head_commit"],
    [{ after: "b".repeat(40) }, "no_head_commit"],
    [{ head_commit: { id: "main", message: "x" }, after: "main" }, "no_head_commit"],
  ])("ignores %j as %s", (change, reason) => expect(mergeTarget({ ...base, ...change } as typeof base)).toEqual({ ignored: reason }));
});

describe("escapeMarkdown", () => {
  it.each([
    ["@everyone look", "@\u200beveryone look"],
    ["<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert(1)\\>"],
    ["a | b", "a \\| b"],
    ["**bold** _it_ `code`", "\\*\\*bold\\*\\* \\_it\\_ \\`code\\`"],
    ["[link](http://evil)", "\\[link\\](http://evil)"],
    ["![img](http://evil/x.png)", "!\\[img\\](http://evil/x.png)"],
    ["# heading", "# heading"],
    ["a & b &amp; c", "a &amp; b &amp;amp; c"],
    ["line\nbreak", "line break"],
    ["x".repeat(300), `${"x".repeat(199)}…`],
  ])("%j", (text, escaped) => expect(escapeMarkdown(text)).toBe(escaped));
});

describe("mergeDeployment", () => {
  const target = { sha: "c".repeat(40), title: "t", actor: "octocat", pullRequest: 9, trigger: "merge" as const };
  const stage = defaultConfig().stages[1]!;
  it("names the exact SHA, never a branch, and carries the Shipline marker", () => {
    const request = mergeDeployment(target, stage, 1);
    expect(request).toEqual({
      ref: "c".repeat(40),
      task: "deploy",
      environment: "production",
      description: "Shipline: ccccccc to production (PR #9 merged by octocat)",
      production_environment: true,
      transient_environment: false,
      payload: { shipline: { trigger: "merge", actor: "octocat", pr: 9, stage: 1 } },
    });
    expect(isShiplineDeployment(request)).toBe(true);
    expect(isShiplineDeployment({ payload: {} })).toBe(false);
    expect(isShiplineDeployment({ payload: "shipline" as never })).toBe(false);
  });
});

describe("release_notes in .github/shipline.yml", () => {
  it("reads categories, labels to leave out and the publishing choice", () => {
    const result = parseConfig({ release_notes: { enabled: true, publish: "release", exclude_labels: ["internal"], categories: [{ title: "Security", labels: ["security"] }], version_labels: { minor: ["release:feature"] }, max_commits: 200 } });
    expect(result.ok && result.config.release_notes).toEqual({
      enabled: true,
      publish: "release",
      exclude_labels: ["internal"],
      categories: [{ title: "Security", labels: ["security"], types: [] }],
      version_labels: { major: ["major"], minor: ["release:feature"], patch: ["patch"] },
      max_commits: 200,
    });
  });

  it("names the field and the fix for a bad value", () => {
    const result = parseConfig({ release_notes: { publish: "tweet", categories: [{ title: "X", types: ["not a type"] }] } });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((p) => p.path)).toEqual(["release_notes.publish", "release_notes.categories[0].types[0]"]);
  });
});
