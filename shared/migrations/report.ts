import { escapeMarkdown } from "../render/markdown.js";
import type { MigrateReport } from "./runner.js";

const VERB = { plan: "Plan", apply: "Apply", status: "Status", repair: "Repair" } as const;

/** The migrations still pending once the run is over (apply removes what it applied). */
export function stillPending(report: MigrateReport): MigrateReport["pending"] {
  return report.pending.filter((p) => !report.applied.some((a) => a.file === p.file));
}

/** The report as Markdown: the job summary, the `report` output, a PR comment. */
export function renderMigrateReport(report: MigrateReport): string {
  const cell = (text: string) => escapeMarkdown(text, 300);
  const head = report.ok ? "✅" : "❌";
  const lines = [`### ${head} Migrations: ${VERB[report.mode].toLowerCase()} on ${cell(report.where)}`, ""];
  if (report.applied.length) {
    lines.push(`Applied ${report.applied.length} in ${report.durationMs} ms:`, "", "| Migration | Time |", "|---|---|", ...report.applied.map((a) => `| ${cell(a.file)} | ${a.ms} ms |`), "");
  }
  const pending = stillPending(report);
  if (pending.length) {
    lines.push(`${report.mode === "apply" ? "Not applied" : "Pending"}: ${pending.length}`, "", "| Migration | Runs |", "|---|---|", ...pending.map((p) => `| ${cell(p.file)} | ${p.transactional ? "in a transaction" : "outside a transaction"} |`), "");
  } else if (report.mode !== "apply" && report.mode !== "repair") lines.push("Nothing pending: the database is up to date.", "");
  if (report.findings.length) {
    lines.push("Zero-downtime lint:", "", "| Where | Rule | Why | Safe way |", "|---|---|---|---|");
    for (const f of report.findings) {
      const rule = f.allowed ? `${f.rule} (acknowledged: ${cell(f.allowed)})` : `**${f.rule}**`;
      lines.push(`| ${cell(f.file)} line ${f.line} | ${rule} | ${cell(f.reason)} | ${cell(f.fix)} |`);
    }
    lines.push("");
  }
  if (report.repaired.length) lines.push("Repaired:", "", ...report.repaired.map((r) => `- ${cell(r)}`), "");
  if (report.missing.length) lines.push(`Applied but no longer in the directory: ${report.missing.map(cell).join(", ")}.`, "");
  if (report.errors.length) lines.push("Problems:", "", ...report.errors.map((e) => `- ${escapeMarkdown(e, 600)}`), "");
  return lines.join("\n").trimEnd();
}
