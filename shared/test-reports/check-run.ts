import type { CheckRunAnnotation, GitHubGateway, NewCheckRun } from "../github/gateway.js";
import type { TestCaseResult, Totals } from "./junit.js";
import { escapeMarkdown } from "../render/markdown.js";

/** GitHub's limit of annotations per create or update request. */
export const ANNOTATIONS_PER_REQUEST = 50;

export function annotationsOf(results: readonly TestCaseResult[]): CheckRunAnnotation[] {
  return results
    .filter((r) => (r.status === "failed" || r.status === "error") && r.file && r.line)
    .map((r) => ({
      path: r.file!,
      start_line: r.line!,
      end_line: r.line!,
      annotation_level: "failure" as const,
      title: `${r.classname ? `${r.classname}: ` : ""}${r.name}`.slice(0, 255),
      message: (r.message || "failed").slice(0, 4_000),
      ...(r.details ? { raw_details: r.details.slice(0, 60_000) } : {}),
    }));
}

export function headline(t: Totals): string {
  return `${t.passed} passed, ${t.failed} failed${t.skipped ? `, ${t.skipped} skipped` : ""}${t.flaky ? `, ${t.flaky} flaky` : ""}`;
}

export function reportSummary(t: Totals, results: readonly TestCaseResult[], reports: readonly string[], unreadable: readonly string[] = []): string {
  const failed = results.filter((r) => r.status === "failed" || r.status === "error");
  const flaky = results.filter((r) => r.flaky);
  return [
    `| Total | Passed | Failed | Skipped | Flaky | Reports |`,
    `|---|---|---|---|---|---|`,
    `| ${t.total} | ${t.passed} | ${t.failed} | ${t.skipped} | ${t.flaky} | ${reports.length} |`,
    "",
    ...(unreadable.length ? ["**Reports that could not be read**", "", ...unreadable.map((u) => `- ${escapeMarkdown(u, 500)}`), ""] : []),
    ...(flaky.length ? ["**Flaky** (failed, then passed when run again)", "", ...flaky.slice(0, 50).map((r) => `- ${escapeMarkdown(`${r.suite ? `${r.suite} › ` : ""}${r.name}`)}: ${escapeMarkdown(r.message, 200)}`), ""] : []),
    ...(failed.length
      ? ["**Failed**", "", ...failed.slice(0, 100).map((r) => `- ${escapeMarkdown(`${r.suite ? `${r.suite} › ` : ""}${r.name}`)}${r.file ? ` (\`${r.file}:${r.line}\`)` : ""}: ${escapeMarkdown(r.message, 300)}`), ...(failed.length > 100 ? [`- … and ${failed.length - 100} more`] : [])]
      : []),
  ].join("\n");
}

/**
 * One check run with the totals and every located failure as an annotation: the first 50
 * with the create, the rest in updates of 50 (GitHub appends them).
 */
export async function publishTestCheckRun(github: GitHubGateway, run: { name: string; sha: string; totals: Totals; summary: string; annotations: CheckRunAnnotation[]; problem?: string }): Promise<number> {
  // A problem with the reports themselves (unreadable, no test) fails the run, said in its title.
  const output = { title: run.problem ?? headline(run.totals), summary: run.summary };
  const batches: CheckRunAnnotation[][] = [];
  for (let i = 0; i < run.annotations.length; i += ANNOTATIONS_PER_REQUEST) batches.push(run.annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  const checkRun: NewCheckRun = {
    name: run.name,
    head_sha: run.sha,
    status: "completed",
    conclusion: run.totals.failed > 0 || run.problem ? "failure" : run.totals.total === 0 ? "neutral" : "success",
    output: { ...output, ...(batches[0] ? { annotations: batches[0] } : {}) },
  };
  const created = await github.createCheckRun(checkRun);
  for (const batch of batches.slice(1)) await github.updateCheckRun(created.id, { output: { ...output, annotations: batch } });
  return created.id;
}
