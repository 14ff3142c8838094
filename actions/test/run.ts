import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import * as core from "@actions/core";
import { exec } from "@actions/exec";
import { getOctokit } from "@actions/github";
import { create as createGlob } from "@actions/glob";
import { GitHubGateway } from "../../shared/github/gateway.js";
import { parseJUnit, totals, type TestCaseResult } from "../../shared/test-reports/junit.js";
import { workspaceFiles } from "./workspace-files.js";
import { annotationsOf, headline, publishTestCheckRun, reportSummary } from "../../shared/test-reports/check-run.js";
import { failStep, readInputs } from "../inputs.js";
import { testInputs } from "./inputs.js";

/** The commit the check run belongs on: a pull request's head, not the merge commit GitHub tests. */
function headSha(): string {
  const path = process.env.GITHUB_EVENT_PATH;
  const event = path && existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as { pull_request?: { head?: { sha?: string } } }) : {};
  return event.pull_request?.head?.sha ?? process.env.GITHUB_SHA ?? "";
}

/** The test action: run the tests, read the JUnit reports, one check run with annotations, a summary. */
export async function run(): Promise<void> {
  try {
    const inputs = readInputs(testInputs, ["token"]);
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    let exitCode = 0;
    if (inputs.command) exitCode = await exec("bash", ["-e", "-c", inputs.command], { ignoreReturnCode: true, cwd: workspace });

    const globber = await createGlob(inputs.reports, { matchDirectories: false });
    const reports = (await globber.glob()).sort();
    const results: TestCaseResult[] = [];
    const unreadable: string[] = [];
    const files = workspaceFiles(workspace);
    for (const report of reports) {
      try {
        results.push(...parseJUnit(readFileSync(report, "utf8"), { workspace, exists: (p) => existsSync(`${workspace}/${p}`), findByTail: files.findByTail }));
      } catch (error) {
        unreadable.push(`${relative(workspace, report)}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const t = totals(results);
    const shown = reports.map((r) => relative(workspace, r));
    const summary = reportSummary(t, results, shown, unreadable);
    const problem =
      unreadable.length && inputs["fail-on-parse-error"]
        ? `${unreadable.length} report${unreadable.length === 1 ? "" : "s"} could not be read`
        : reports.length && t.total === 0 && inputs["require-tests"]
          ? "No test found in the reports"
          : undefined;

    const [owner = "", repo = ""] = (process.env.GITHUB_REPOSITORY ?? "").split("/");
    const github = new GitHubGateway(getOctokit(inputs.token), { owner, repo });
    const annotations = annotationsOf(results);
    const checkRunId = await publishTestCheckRun(github, { name: inputs.name, sha: headSha(), totals: t, summary, annotations, ...(problem ? { problem } : {}) });

    core.setOutput("total", String(t.total));
    core.setOutput("passed", String(t.passed));
    core.setOutput("failed", String(t.failed));
    core.setOutput("skipped", String(t.skipped));
    core.setOutput("flaky", String(t.flaky));
    core.setOutput("check-run-id", String(checkRunId));
    await core.summary.addHeading(`${t.failed ? "❌" : "✅"} ${inputs.name}: ${headline(t)}`, 2).addRaw(summary, true).write();

    for (const line of unreadable) (inputs["fail-on-parse-error"] ? core.error : core.warning)(`Report not readable: ${line}`, { title: "Shipline test: unreadable report" });
    if (problem) core.setFailed(`${problem}${unreadable.length ? ` (${unreadable.join("; ")})` : ""}. Fix the report${unreadable.length ? ", or set `fail-on-parse-error: false`" : "s, or set `require-tests: false`"}.`);
    else if (reports.length === 0 && inputs["fail-on-empty"]) core.setFailed(`No JUnit report matched \`${inputs.reports}\`. Point \`reports\` at the XML your test runner writes, or set \`fail-on-empty: false\`.`);
    else if (t.failed > 0 && inputs["fail-on-failure"]) core.setFailed(`${t.failed} test${t.failed === 1 ? "" : "s"} failed (${headline(t)}).`);
    else if (exitCode !== 0) core.setFailed(`The test command exited with ${exitCode}.`);
  } catch (error) {
    failStep(error);
  }
}
