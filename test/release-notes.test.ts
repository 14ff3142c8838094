import { describe, expect, it } from "vitest";
import { changesOf, fitReleaseBody, nextVersion, renderReleaseNotes, type NoteCommit, type NotePull } from "../shared/release-notes/notes.js";
import { DEFAULT_CATEGORIES, DEFAULT_EXCLUDE_LABELS } from "../shared/config/release-notes-defaults.js";

const SETTINGS = { categories: DEFAULT_CATEGORIES, excludeLabels: DEFAULT_EXCLUDE_LABELS };
let n = 0;
const sha = () => (++n).toString(16).padStart(40, "a");
const pull = (number: number, title: string, extra: Partial<NotePull> = {}): NotePull => ({ number, title, body: "", labels: [], author: "alice", authorAssociation: "CONTRIBUTOR", ...extra });
const merged = (p: NotePull, message = `${p.title} (#${p.number})`): NoteCommit => ({ sha: sha(), message, author: p.author, pull: p });
const pushed = (message: string, author = "bob"): NoteCommit => ({ sha: sha(), message, author, pull: null });

/** The category each change lands in, by title. */
const categorised = (commits: NoteCommit[]) => Object.fromEntries(changesOf(commits, SETTINGS).changes.map((c) => [c.title, c.category]));

describe("release notes: what goes where", () => {
  it.each([
    { what: "a label beats the conventional type", commit: merged(pull(1, "fix: tidy the cart", { labels: ["enhancement"] })), title: "tidy the cart", category: "🚀 Features" },
    { what: "feat", commit: merged(pull(2, "feat(cart): vouchers")), title: "vouchers", category: "🚀 Features" },
    { what: "fix", commit: merged(pull(3, "fix: rounding")), title: "rounding", category: "🐛 Fixes" },
    { what: "perf", commit: merged(pull(4, "perf: cache prices")), title: "cache prices", category: "⚡ Performance" },
    { what: "refactor", commit: merged(pull(5, "refactor: split checkout")), title: "split checkout", category: "♻️ Refactoring" },
    { what: "docs", commit: merged(pull(6, "docs: payment guide")), title: "payment guide", category: "📝 Documentation" },
    { what: "chore", commit: merged(pull(7, "chore(deps): bump pg")), title: "bump pg", category: "🧰 Maintenance" },
    { what: "a label alone", commit: merged(pull(8, "Update the footer", { labels: ["bug"] })), title: "Update the footer", category: "🐛 Fixes" },
    { what: "neither label nor type", commit: merged(pull(9, "Update the footer colours")), title: "Update the footer colours", category: "Other changes" },
    { what: "a direct push, by its message's first line", commit: pushed("fix: hotfix the login\n\nlong story"), title: "hotfix the login", category: "🐛 Fixes" },
    { what: "breaking by `!`", commit: merged(pull(10, "feat(api)!: drop v1")), title: "drop v1", category: "⚠️ Breaking changes" },
    { what: "breaking by BREAKING CHANGE in the body", commit: merged(pull(11, "feat: new auth", { body: "Intro.\n\nBREAKING CHANGE: tokens expire" })), title: "new auth", category: "⚠️ Breaking changes" },
    { what: "breaking by label", commit: merged(pull(12, "Rework sessions", { labels: ["breaking"] })), title: "Rework sessions", category: "⚠️ Breaking changes" },
  ])("$what", ({ commit, title, category }) => {
    expect(categorised([commit])).toEqual({ [title]: category });
  });

  it("lists a pull request once, whatever number of its commits are in the range", () => {
    const p = pull(20, "feat: wishlist");
    const { changes } = changesOf([merged(p, "Merge pull request #20"), merged(p, "wip"), merged(p, "more wip\n\nBREAKING CHANGE: wishlist replaces favourites")], SETTINGS);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ number: 20, breaking: true, category: "⚠️ Breaking changes" });
    expect(changes[0]!.shas.size).toBe(3);
  });

  it("drops a change and its revert when both are in the range (by title or by the reverted SHA)", () => {
    const bad = merged(pull(30, "feat: risky banner"));
    const revertPr = merged(pull(31, 'Revert "feat: risky banner"'));
    const direct = pushed("feat: experiment");
    const gitRevert = pushed(`Revert "feat: experiment"\n\nThis reverts commit ${direct.sha}.`);
    const kept = merged(pull(32, "fix: kept"));
    const { changes, reverted } = changesOf([revertPr, gitRevert, direct, bad, kept], SETTINGS);
    expect(changes.map((c) => c.title)).toEqual(["kept"]);
    expect(reverted).toBe(4);
  });

  it("keeps a revert of something shipped before the range: it changes what runs", () => {
    const { changes } = changesOf([merged(pull(40, 'Revert "feat: old thing"'))], SETTINGS);
    expect(changes.map((c) => c.title)).toEqual(['Revert "feat: old thing"']);
  });

  it("honours excluded labels", () => {
    const { changes, excluded } = changesOf([merged(pull(50, "chore: typo", { labels: ["skip-changelog"] })), merged(pull(51, "fix: real"))], SETTINGS);
    expect(changes.map((c) => c.number)).toEqual([51]);
    expect(excluded).toBe(1);
  });

  it("uses categories from the config", () => {
    const settings = { categories: [{ title: "Security", labels: ["security"], types: ["sec"] }], excludeLabels: [] };
    expect(changesOf([merged(pull(60, "sec: rotate keys")), merged(pull(61, "feat: x"))], settings).changes.map((c) => c.category)).toEqual(["Security", "Other changes"]);
  });
});

describe("release notes: titles and labels as people write them", () => {
  it("strips only real conventional types from titles: a `Platform:` prefix stays", () => {
    const { changes } = changesOf([merged(pull(70, "Android: fix crash on rotate")), merged(pull(71, "fix(ios): keyboard overlap")), merged(pull(72, "WIP: nothing"))], SETTINGS);
    expect(changes.map((c) => [c.title, c.type, c.category])).toEqual([
      ["Android: fix crash on rotate", null, "Other changes"],
      ["keyboard overlap", "fix", "🐛 Fixes"],
      ["WIP: nothing", null, "Other changes"],
    ]);
  });

  it("takes a type a category declares, as the config says", () => {
    const settings = { categories: [{ title: "Security", labels: [], types: ["sec"] }], excludeLabels: [] };
    expect(changesOf([merged(pull(73, "sec: rotate keys"))], settings).changes.map((c) => [c.title, c.category])).toEqual([["rotate keys", "Security"]]);
  });

  it("excludes by label whatever the case, on either side", () => {
    const labelled = (n: number, label: string) => merged({ ...pull(n, `fix: change ${n}`), labels: [label] });
    const settings = { categories: DEFAULT_CATEGORIES, excludeLabels: ["Skip-Changelog"] };
    const { changes, excluded } = changesOf([labelled(80, "skip-changelog"), labelled(81, "SKIP-CHANGELOG"), labelled(82, "bug")], settings);
    expect([changes.map((c) => c.number), excluded]).toEqual([[82], 2]);
  });
});

describe("release notes: the version", () => {
  const changes = (...titles: string[]) => changesOf(titles.map((t, i) => merged(pull(100 + i, t))), SETTINGS).changes;
  it.each([
    ["v1.4.2", ["fix: a"], "v1.4.3"],
    ["v1.4.2", ["fix: a", "feat: b"], "v1.5.0"],
    ["v1.4.2", ["feat!: c", "feat: b"], "v2.0.0"],
    ["1.4.2", ["docs: d"], "1.4.3"],
    ["v1.2.0-rc.1", ["fix: a"], "v1.2.0"],
    ["v1.2.0-rc.1", ["feat: b"], "v1.2.0"],
    ["v1.2.0-rc.1", ["feat!: c"], "v2.0.0"],
    ["release-7", ["feat: e"], "2026-11-24-abcdef1"],
    [null, ["feat: e"], "2026-11-24-abcdef1"],
  ] as const)("after %s with %j: %s", (tag, titles, version) => {
    expect(nextVersion(tag, changes(...titles), "2026-11-24", "abcdef1".padEnd(40, "0"))).toBe(version);
  });

  const labelled = (...labels: string[][]) => changesOf(labels.map((l, i) => merged({ ...pull(200 + i, `change ${i}`), labels: l })), SETTINGS).changes;
  it.each([
    [[["minor"]], "v1.5.0"],
    [[["Major"], ["minor"]], "v2.0.0"],
    [[["patch"]], "v1.4.3"],
    [[["bug"]], "v1.4.3"],
  ] as const)("labels %j bump v1.4.2 to %s, the highest winning", (labels, version) => {
    expect(nextVersion("v1.4.2", labelled(...labels.map((l) => [...l])), "2026-11-24", "a".repeat(40))).toBe(version);
  });

  it("reads the bump labels from the config", () => {
    expect(nextVersion("v1.4.2", labelled(["release:feature"]), "2026-11-24", "a".repeat(40), { major: ["release:breaking"], minor: ["release:feature"], patch: [] })).toBe("v1.5.0");
    // A type still counts beside the labels: `feat` with a patch label is a minor.
    expect(nextVersion("v1.4.2", [...changes("feat: x"), ...labelled(["patch"])], "2026-11-24", "a".repeat(40))).toBe("v1.5.0");
  });
});

describe("release notes: the words", () => {
  const render = (commits: NoteCommit[], newcomers: string[] = []) => {
    const { changes, reverted, excluded } = changesOf(commits, SETTINGS);
    for (const c of changes) if (c.authors[0] && newcomers.includes(c.authors[0])) c.firstTime = true;
    return renderReleaseNotes({ version: "v2.0.0", repository: "acme/shop", environment: "production", from: "1".repeat(40), to: "2".repeat(40), rangeNote: "Since the last deployment.", commits: commits.length, changes, reverted, excluded, settings: SETTINGS, serverUrl: "https://github.com" });
  };

  it("puts breaking changes first, credits authors, names newcomers, links the full range", () => {
    const md = render([merged(pull(1, "feat: vouchers", { author: "newton" })), merged(pull(2, "feat(api)!: drop v1")), merged(pull(3, "chore(deps): bump pg", { author: "dependabot[bot]" }))], ["newton"]);
    expect(md).toBe(
      [
        "## v2.0.0",
        "",
        "Deployed to **production**: `1111111`…`2222222`, 3 commits, 3 pull requests. Since the last deployment.",
        "",
        "### ⚠️ Breaking changes",
        "",
        "- **api:** drop v1 (#2) by @alice",
        "",
        "### 🚀 Features",
        "",
        "- vouchers (#1) by @newton",
        "",
        "### 🧰 Maintenance",
        "",
        "- **deps:** bump pg (#3) by dependabot",
        "",
        "### New contributors",
        "",
        "- @newton made their first contribution in #1",
        "",
        `**Full changelog**: https://github.com/acme/shop/compare/${"1".repeat(40)}...${"2".repeat(40)}`,
      ].join("\n"),
    );
  });

  it.each([
    ["an HTML tag", '<img src=x onerror="alert(1)">', "\\<img src=x onerror=\"alert(1)\"\\>"],
    ["a mention", "thanks @everyone and @acme/admins", "thanks @\u200beveryone and @\u200bacme/admins"],
    ["a table breaker and a link", "a | b [click](javascript:alert(1))", "a \\| b \\[click\\](javascript:alert(1))"],
    ["code and emphasis", "`rm -rf` *now* _please_ ~~no~~", "\\`rm -rf\\` \\*now\\* \\_please\\_ \\~\\~no\\~\\~"],
    ["unicode", "Ünïcödé — 日本語 🚀", "Ünïcödé — 日本語 🚀"],
    ["a line break", "first\n## injected heading", "first ## injected heading"],
  ])("makes %s in a title inert", (_what, title, shown) => {
    expect(render([merged(pull(7, title))])).toContain(`- ${shown} (#7) by @alice`);
  });

  it("never @-mentions a name that is not a GitHub login", () => {
    expect(render([pushed("fix: x", "Jane Doe <jane@example.com>")])).toContain("by Jane Doe \\<jane@\u200bexample.com\\>");
  });

  it("cuts a body GitHub would refuse at a line, keeping the full changelog link", () => {
    const md = ["## v1", ...Array.from({ length: 5000 }, (_, i) => `- change ${i} with a reasonably long title to fill the body`), "**Full changelog**: https://x"].join("\n");
    const body = fitReleaseBody(md);
    expect(body.length).toBeLessThanOrEqual(125_000);
    expect(body.endsWith("**Full changelog**: https://x")).toBe(true);
    expect(body).toMatch(/_…and \d+ more lines: GitHub holds 125,000 characters in a release; the job summary and the `notes` output have them all\._/);
    expect(fitReleaseBody("short")).toBe("short");
  });
});
