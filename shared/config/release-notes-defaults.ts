/** Release notes' categories, as `release_notes.categories` in shipline.yml declares them. */
export interface NoteCategory {
  title: string;
  labels: string[];
  types: string[];
}

/** Good defaults: the conventional-commit types and the labels most repositories use. */
export const DEFAULT_CATEGORIES: NoteCategory[] = [
  { title: "🚀 Features", labels: ["feature", "enhancement"], types: ["feat"] },
  { title: "🐛 Fixes", labels: ["bug", "fix"], types: ["fix"] },
  { title: "⚡ Performance", labels: ["performance"], types: ["perf"] },
  { title: "♻️ Refactoring", labels: ["refactor"], types: ["refactor"] },
  { title: "📝 Documentation", labels: ["documentation", "docs"], types: ["docs"] },
  { title: "🧰 Maintenance", labels: ["chore", "dependencies", "ci"], types: ["chore", "build", "ci", "test", "style", "revert"] },
];
export const DEFAULT_EXCLUDE_LABELS = ["skip-changelog", "no-release-notes"];

/** Labels that choose the version's bump, as release-drafter's version resolver names them. */
export interface VersionLabels {
  major: string[];
  minor: string[];
  patch: string[];
}
export const DEFAULT_VERSION_LABELS: VersionLabels = { major: ["major"], minor: ["minor"], patch: ["patch"] };
