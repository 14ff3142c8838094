import { describe, expect, it } from "vitest";
import { changesOf, nextVersion, type NoteCommit, type NotePull } from "../shared/release-notes/notes.js";

/**
 * Releases as release-drafter users configure and label them, with what its users expect to
 * read: the sections in order with their titles, what is left out, and the next version after
 * v1.4.2. Written for Shipline; `convention` marks where Shipline's documented conventions
 * decide (conventional types beside labels, breaking changes first).
 */
const SETTINGS = {
  categories: [
    { title: "🚀 Features", labels: ["feature", "enhancement"], types: ["feat"] },
    { title: "🐛 Bug Fixes", labels: ["fix", "bugfix", "bug"], types: ["fix"] },
    { title: "🧰 Maintenance", labels: ["chore", "dependencies"], types: ["chore", "build", "ci"] },
  ],
  excludeLabels: ["skip-changelog", "Invalid"],
  versionLabels: { major: ["major", "breaking"], minor: ["minor", "feature", "enhancement"], patch: ["patch", "fix", "bugfix", "bug", "chore", "dependencies"] },
};

type P = [title: string, labels?: string[], author?: string];
interface Case {
  what: string;
  pulls: P[];
  /** Section → titles, in the order they are shown. */
  sections: Record<string, string[]>;
  excluded?: number;
  version: string;
  convention?: true;
}

const CASES: Case[] = [
  { what: "one feature by label", pulls: [["Add wishlist", ["feature"]]], sections: { "🚀 Features": ["Add wishlist"] }, version: "v1.5.0" },
  { what: "one fix by label", pulls: [["Fix rounding", ["bug"]]], sections: { "🐛 Bug Fixes": ["Fix rounding"] }, version: "v1.4.3" },
  { what: "enhancement is a feature", pulls: [["Faster search", ["enhancement"]]], sections: { "🚀 Features": ["Faster search"] }, version: "v1.5.0" },
  { what: "bugfix label", pulls: [["Null cart", ["bugfix"]]], sections: { "🐛 Bug Fixes": ["Null cart"] }, version: "v1.4.3" },
  { what: "dependencies are maintenance", pulls: [["Bump pg from 8.11 to 8.12", ["dependencies"], "dependabot[bot]"]], sections: { "🧰 Maintenance": ["Bump pg from 8.11 to 8.12"] }, version: "v1.4.3" },
  { what: "no label: uncategorized", pulls: [["Update README"]], sections: { "Other changes": ["Update README"] }, version: "v1.4.3" },
  { what: "excluded label", pulls: [["Typo", ["skip-changelog"]], ["Fix login", ["bug"]]], sections: { "🐛 Bug Fixes": ["Fix login"] }, excluded: 1, version: "v1.4.3" },
  { what: "excluded label in another case", pulls: [["Spam", ["invalid"]], ["Fix login", ["bug"]]], sections: { "🐛 Bug Fixes": ["Fix login"] }, excluded: 1, version: "v1.4.3" },
  { what: "label case does not matter for categories", pulls: [["Dark mode", ["Feature"]]], sections: { "🚀 Features": ["Dark mode"] }, version: "v1.5.0" },
  { what: "first matching category wins", pulls: [["Fix and feature", ["bug", "feature"]]], sections: { "🚀 Features": ["Fix and feature"] }, version: "v1.5.0" },
  { what: "major label", pulls: [["New API", ["major"]]], sections: { "Other changes": ["New API"] }, version: "v2.0.0" },
  { what: "minor label", pulls: [["Some change", ["minor"]]], sections: { "Other changes": ["Some change"] }, version: "v1.5.0" },
  { what: "patch label", pulls: [["Small change", ["patch"]]], sections: { "Other changes": ["Small change"] }, version: "v1.4.3" },
  { what: "highest bump wins", pulls: [["A", ["patch"]], ["B", ["major"]], ["C", ["minor"]]], sections: { "Other changes": ["A", "B", "C"] }, version: "v2.0.0" },
  { what: "feature label bumps minor over fixes", pulls: [["Fix 1", ["bug"]], ["Feat 1", ["feature"]]], sections: { "🚀 Features": ["Feat 1"], "🐛 Bug Fixes": ["Fix 1"] }, version: "v1.5.0" },
  { what: "excluded PR's bump does not count", pulls: [["Rewrite", ["major", "skip-changelog"]], ["Fix", ["bug"]]], sections: { "🐛 Bug Fixes": ["Fix"] }, excluded: 1, version: "v1.4.3" },
  { what: "sections in configured order", pulls: [["Chore", ["chore"]], ["Fix", ["bug"]], ["Feat", ["feature"]]], sections: { "🚀 Features": ["Feat"], "🐛 Bug Fixes": ["Fix"], "🧰 Maintenance": ["Chore"] }, version: "v1.5.0" },
  { what: "several in one section keep merge order", pulls: [["Fix A", ["bug"]], ["Fix B", ["bug"]], ["Fix C", ["bug"]]], sections: { "🐛 Bug Fixes": ["Fix A", "Fix B", "Fix C"] }, version: "v1.4.3" },
  { what: "unknown labels are ignored", pulls: [["Tweak", ["ux", "needs-review"]]], sections: { "Other changes": ["Tweak"] }, version: "v1.4.3" },
  { what: "a bot's PR", pulls: [["Bump actions/checkout from 4 to 5", ["dependencies"], "dependabot[bot]"], ["Fix", ["bug"]]], sections: { "🐛 Bug Fixes": ["Fix"], "🧰 Maintenance": ["Bump actions/checkout from 4 to 5"] }, version: "v1.4.3" },
  { what: "markdown in a title is kept as text", pulls: [["Support `--dry-run` in *cli*", ["feature"]]], sections: { "🚀 Features": ["Support `--dry-run` in *cli*"] }, version: "v1.5.0" },
  { what: "emoji in a title", pulls: [["🚀 Launch", ["feature"]]], sections: { "🚀 Features": ["🚀 Launch"] }, version: "v1.5.0" },
  { what: "a platform prefix is not a type", pulls: [["Android: fix crash on rotate", ["bug"]]], sections: { "🐛 Bug Fixes": ["Android: fix crash on rotate"] }, version: "v1.4.3" },
  { what: "all excluded", pulls: [["Internal", ["skip-changelog"]]], sections: {}, excluded: 1, version: "v1.4.3" },
  { what: "breaking label", pulls: [["Drop Node 18", ["breaking"]]], sections: { "⚠️ Breaking changes": ["Drop Node 18"] }, version: "v2.0.0", convention: true },
  { what: "conventional feat", pulls: [["feat: vouchers"]], sections: { "🚀 Features": ["vouchers"] }, version: "v1.5.0", convention: true },
  { what: "conventional fix with scope", pulls: [["fix(cart): empty basket"]], sections: { "🐛 Bug Fixes": ["**cart:** empty basket"] }, version: "v1.4.3", convention: true },
  { what: "conventional breaking", pulls: [["feat(api)!: remove v1"]], sections: { "⚠️ Breaking changes": ["**api:** remove v1"] }, version: "v2.0.0", convention: true },
  { what: "conventional chore", pulls: [["chore(deps): bump zod"]], sections: { "🧰 Maintenance": ["**deps:** bump zod"] }, version: "v1.4.3", convention: true },
  { what: "conventional ci", pulls: [["ci: cache npm"]], sections: { "🧰 Maintenance": ["cache npm"] }, version: "v1.4.3", convention: true },
  { what: "a label beats the type", pulls: [["fix: tidy the cart", ["enhancement"]]], sections: { "🚀 Features": ["tidy the cart"] }, version: "v1.5.0", convention: true },
  { what: "type feat with a patch label is minor", pulls: [["feat: x", ["patch"]]], sections: { "🚀 Features": ["x"] }, version: "v1.5.0", convention: true },
  { what: "breaking first among many", pulls: [["Fix", ["bug"]], ["feat!: new auth"], ["Feat", ["feature"]]], sections: { "⚠️ Breaking changes": ["new auth"], "🚀 Features": ["Feat"], "🐛 Bug Fixes": ["Fix"] }, version: "v2.0.0", convention: true },
  { what: "revert pair dropped", pulls: [["Risky banner", ["feature"]], ['Revert "Risky banner"']], sections: {}, version: "v1.4.3", convention: true },
  { what: "revert of an older change kept", pulls: [['Revert "Old banner"', ["bug"]]], sections: { "🐛 Bug Fixes": ['Revert "Old banner"'] }, version: "v1.4.3" },
  { what: "a WIP prefix is not a type", pulls: [["WIP: nothing", ["chore"]]], sections: { "🧰 Maintenance": ["WIP: nothing"] }, version: "v1.4.3" },
  { what: "uppercase exclude label", pulls: [["Secret", ["SKIP-CHANGELOG"]], ["Visible", ["feature"]]], sections: { "🚀 Features": ["Visible"] }, excluded: 1, version: "v1.5.0" },
  { what: "chore label and fix type", pulls: [["fix: lockfile", ["chore"]]], sections: { "🧰 Maintenance": ["lockfile"] }, version: "v1.4.3", convention: true },
  { what: "mixed case major label", pulls: [["Rework", ["Major"]]], sections: { "Other changes": ["Rework"] }, version: "v2.0.0" },
  { what: "many contributors, one each", pulls: [["One", ["bug"], "ana"], ["Two", ["bug"], "ben"], ["Three", ["feature"], "cy"]], sections: { "🚀 Features": ["Three"], "🐛 Bug Fixes": ["One", "Two"] }, version: "v1.5.0" },
];

let n = 0;
const commitOf = ([title, labels = [], author = "alice"]: P, number: number): NoteCommit => {
  const pull: NotePull = { number, title, body: "", labels, author: author.replace(/\[bot\]$/, ""), authorAssociation: "MEMBER" };
  return { sha: (++n).toString(16).padStart(40, "c"), message: `${title} (#${number})`, author: pull.author, pull };
};

/** Section → titles as Shipline's notes show them (scope in bold, like the rendered line). */
function sectionsOf(c: Case) {
  // Newest first, as the range is read; the notes list each section's changes oldest first.
  const commits = c.pulls.map((p, i) => commitOf(p, 100 + i)).reverse();
  const { changes, excluded } = changesOf(commits, SETTINGS);
  const order = ["⚠️ Breaking changes", ...SETTINGS.categories.map((x) => x.title), "Other changes"];
  const sections: Record<string, string[]> = {};
  for (const title of order) {
    const inSection = changes.filter((ch) => ch.category === title).sort((a, b) => a.number! - b.number!);
    if (inSection.length) sections[title] = inSection.map((ch) => (ch.scope ? `**${ch.scope}:** ${ch.title}` : ch.title));
  }
  return { sections, excluded, version: nextVersion("v1.4.2", changes, "2026-12-06", "d".repeat(40), SETTINGS.versionLabels) };
}

describe("release notes over 40 release-drafter-style releases", () => {
  it("agrees on every case: sections, exclusions and the next version", () => {
    const results = CASES.map((c) => ({ what: c.what, convention: c.convention ?? false, got: sectionsOf(c), expected: { sections: c.sections, excluded: c.excluded ?? 0, version: c.version } }));
    const agree = results.filter((r) => JSON.stringify(r.got) === JSON.stringify(r.expected));
    console.log(`release-notes corpus: ${agree.length}/${results.length} cases agree (${results.filter((r) => r.convention).length} decided by Shipline's documented conventions)`);
    expect(results.filter((r) => !agree.includes(r))).toEqual([]);
    expect(CASES.length).toBeGreaterThanOrEqual(39);
  });
});
