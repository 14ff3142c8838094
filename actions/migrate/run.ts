import { existsSync, readdirSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import * as core from "@actions/core";
import { exec } from "@actions/exec";
import { connectPglite, connectPostgres } from "../../shared/migrations/connect.js";
import { parseMigrationFiles } from "../../shared/migrations/files.js";
import { loadSqlParser } from "../../shared/migrations/parser.js";
import { renderMigrateReport, stillPending } from "../../shared/migrations/report.js";
import { findingError, migrate, type MigrateReport } from "../../shared/migrations/runner.js";
import { failStep, failWith, InputError, readInputs, type Problem } from "../inputs.js";
import { migrateInputs } from "./inputs.js";

/**
 * The step's failure, one annotation a problem. Unacknowledged findings already have theirs
 * on their file and line (above), so they are counted here, not said again.
 */
function migrateProblems(report: MigrateReport): Problem[] {
  const unacknowledged = report.findings.filter((f) => !f.allowed);
  const findingLines = new Set(unacknowledged.map((f) => findingError(f)));
  const problems: Problem[] = report.errors.filter((e) => !findingLines.has(e)).map((message) => ({ title: "Shipline migrate", message }));
  if (unacknowledged.length > 0) {
    const n = unacknowledged.length;
    problems.push({ title: "Shipline migrate: unsafe migrations", message: `${n} unsafe migration finding${n === 1 ? "" : "s"}, each annotated on its line: take the safe way it gives, or acknowledge it with \`-- shipline:allow <rule> <reason>\` on the line above.` });
  }
  if (problems.length === 0) problems.push({ title: "Shipline migrate", message: `The migration command exited with ${report.commandExitCode}.` });
  return problems;
}

/** The migrate action: read the files, connect, plan/apply/status/repair under the lock, report. */
export async function run(): Promise<void> {
  try {
    const inputs = readInputs(migrateInputs, ["database-url"]);
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    const directory = isAbsolute(inputs.directory) ? inputs.directory : join(workspace, inputs.directory);
    if (!existsSync(directory)) throw new InputError(`Input \`directory\`: \`${inputs.directory}\` does not exist. Point it at your migrations folder (V1__create_users.sql, ...).`);
    if (inputs.command && !inputs["database-url"]) throw new InputError("Input `command` needs `database-url`: your migrator connects to a server, and the lock must be taken on the same database.");
    const migrations = parseMigrationFiles(readdirSync(directory).sort().map((file) => ({ file, content: readFileSync(join(directory, file)) })));

    const [parse, db] = await Promise.all([
      loadSqlParser(),
      inputs["database-url"] ? connectPostgres(inputs["database-url"]) : connectPglite(inputs["pglite-data-dir"] ? { dataDir: inputs["pglite-data-dir"] } : {}),
    ]);
    const command = inputs.command;
    const report = await migrate({
      db,
      migrations,
      parse,
      mode: inputs.mode,
      schema: inputs.schema,
      table: inputs.table,
      lockTimeoutMs: inputs["lock-timeout"],
      statementTimeoutMs: inputs["statement-timeout"],
      lockWaitMs: inputs["lock-wait"],
      installedBy: inputs["installed-by"] ?? process.env.GITHUB_ACTOR ?? "shipline",
      log: (line) => core.info(line),
      // The team's own migrator: the command as written, the URL only through the environment.
      ...(command ? { command: () => exec("bash", ["-e", "-c", command], { ignoreReturnCode: true, cwd: workspace, env: { ...process.env, DATABASE_URL: inputs["database-url"]! } as Record<string, string> }) } : {}),
    }).finally(() => db.close());

    const markdown = renderMigrateReport(report);
    core.setOutput("applied", String(report.applied.length));
    core.setOutput("pending", String(stillPending(report).length));
    core.setOutput("findings", String(report.findings.filter((f) => !f.allowed).length));
    core.setOutput("report", markdown);
    for (const f of report.findings) {
      const message = `${f.rule}: ${f.reason} ${f.fix}${f.allowed ? ` (acknowledged: ${f.allowed})` : ""}`;
      (f.allowed ? core.notice : core.error)(message, { file: join(inputs.directory, f.file), startLine: f.line, title: `Shipline migrate: ${f.rule}` });
    }
    await core.summary.addRaw(markdown, true).write();
    core.info(markdown);
    if (!report.ok) failWith(migrateProblems(report));
  } catch (error) {
    failStep(error);
  }
}
