import type { ShiplineConfig } from "../config/schema.js";
import { COMMENT_MARKER, type DeploymentFact } from "../github/facts.js";
import type { NewCheckRun } from "../github/gateway.js";
import { escapeMarkdown, shortSha } from "./markdown.js";
import { CHECK_RUN_NAME } from "./check-runs.js";
import type { Outcome } from "./outcome.js";
import { approvalMarker, approvalsIn, waitingIn, waitingMarker, type Approval, type Waiting } from "../github/records.js";

/** A deployment state's mark, in the comment and on the dashboard. */
export const STATE_ICON: Record<string, string> = {
  success: "✅",
  failure: "❌",
  error: "❌",
  in_progress: "⏳",
  queued: "⏳",
  pending: "⏳",
  inactive: "▫️",
};

export interface CommentInput {
  /** The latest outcome, one rendered line (see `commandOutcome`, `statusOutcome`). */
  outcome: string;
  /** The comment as it stands: its outcomes move down into "Earlier". */
  previous: string | null;
  /** A deployment created a moment ago, before the facts could show it. */
  created: { id: number; sha: string; environment: string; task: string; creator: string } | null;
  /** Deployments of this pull request's commits, newest first. */
  history: DeploymentFact[];
  /** `environment:sha` of deployments a rollback replaced (see `rolledBackKeys`). */
  rolledBack: ReadonlySet<string>;
  config: ShiplineConfig;
  now: string;
  /** More sections below the table (release notes). */
  sections?: string[];
  /**
   * What this outcome answers (`comment:123`, `status:456`). A job run again after a crash
   * writes the same source: its outcome replaces itself instead of being listed twice.
   */
  source?: string;
  /**
   * Approvals and deploys waiting for them, as hidden markers (see gates/approvals.ts). When
   * absent, those of `previous` are carried: every writer of the comment keeps them.
   */
  records?: { approvals: Approval[]; waiting: Waiting[] };
}

/** How many approvals the comment keeps (the newest): older SHAs' approvals no longer matter. */
export const APPROVALS_KEPT = 50;

function records(input: CommentInput): string[] {
  const { approvals, waiting } = input.records ?? { approvals: approvalsIn(input.previous), waiting: waitingIn(input.previous) };
  const kept = approvals.slice(-APPROVALS_KEPT);
  if (kept.length === 0 && waiting.length === 0) return [];
  const visible = kept.length
    ? [`**Approvals**: ${kept.map((a) => `${escapeMarkdown(a.environment)} \`${shortSha(a.sha)}\` by ${escapeMarkdown(a.login)}`).join(" · ")}`, ""]
    : [];
  const held = waiting.map((w) => `⏳ Waiting for approval: \`${shortSha(w.sha)}\` to ${escapeMarkdown(w.environment)}, asked by ${escapeMarkdown(w.actor)}.`);
  return [...visible, ...(held.length ? [...held, ""] : []), ...kept.map(approvalMarker), ...waiting.map(waitingMarker), ""];
}

/** A link only when it is a plain http(s) URL: log URLs come from workflows, not from Shipline. */
export function safeLink(label: string, url: unknown): string {
  return typeof url === "string" && /^https?:\/\/[^\s()<>\]\[]+$/.test(url) ? ` [${label}](${url})` : "";
}

/** The outcome line of a command. */
export function commandOutcome(decision: Outcome, actor: string, created: { id: number } | null): string {
  const who = escapeMarkdown(actor);
  if (decision.decision === "refuse") {
    return `⛔ **Refused** (\`${decision.reasonCode}\`) for ${who}: ${escapeMarkdown(decision.message, 500)}${safeLink("log", decision.details?.logUrl)}`;
  }
  if (decision.reasonCode === "waiting_approval") return `⏳ **Waiting** (\`waiting_approval\`) for ${who}: ${escapeMarkdown(decision.message, 500)} It goes on once approved.`;
  if (decision.reasonCode === "approve") return `👍 (\`approve\`) ${escapeMarkdown(decision.message, 500)}`;
  if (decision.reasonCode === "dry_run") return `🧪 **Dry run** (\`dry_run\`) for ${who}: ${escapeMarkdown(decision.message)} Every check passed; nothing was created.`;
  const made = created ? ` Deployment ${created.id} was created.` : "";
  return `🚀 (\`${decision.reasonCode}\`) ${who}: ${escapeMarkdown(decision.message, 500)}${made}`;
}

interface Row {
  id: number;
  sha: string;
  environment: string;
  task: string;
  state: string;
  creator: string;
  createdAt: string;
  logUrl: string | null;
  environmentUrl: string | null;
}

function row(d: Row, rolledBack: ReadonlySet<string>): string {
  const links = [safeLink("log", d.logUrl), safeLink("open", d.environmentUrl)].map((l) => l.trim()).filter(Boolean).join(" · ");
  const kind = d.task === "deploy:rollback" ? " (rollback)" : "";
  const replaced = rolledBack.has(`${d.environment.toLowerCase()}:${d.sha}`) && d.task !== "deploy:rollback" ? " · ↩️ rolled back" : "";
  return `| ${escapeMarkdown(d.environment)} | \`${shortSha(d.sha)}\` | ${STATE_ICON[d.state] ?? ""} ${d.state}${kind}${replaced} | ${escapeMarkdown(d.creator)} | ${d.createdAt} | ${links || "—"} | ${d.id} |`;
}

const LATEST = /^<!-- shipline:latest (\S+)(?: (\S+))? -->\n(.+)$/m;
const EARLIER_START = "<!-- shipline:earlier -->";
const EARLIER_END = "<!-- /shipline:earlier -->";
/** How many earlier outcomes the comment keeps. */
export const EARLIER_KEPT = 15;

/**
 * The outcomes a comment already shows, newest first, as `time · outcome` lines: the comment
 * is Shipline's only memory of them (GitHub holds the state; the app keeps none).
 */
export function earlierOutcomes(previous: string | null, source?: string): string[] {
  if (!previous) return [];
  const found = LATEST.exec(previous);
  // The same source again (a re-run): its earlier outcome is the one being rewritten.
  const latest = found && !(source && found[2] === source) ? found : null;
  const start = previous.indexOf(EARLIER_START);
  const end = previous.indexOf(EARLIER_END);
  const listed = start >= 0 && end > start ? previous.slice(start + EARLIER_START.length, end).split("\n").filter((l) => l.startsWith("- ")).map((l) => l.slice(2)) : [];
  return [...(latest ? [`${latest[1]} · ${latest[3]}`] : []), ...listed].slice(0, EARLIER_KEPT);
}

/** Shipline's one comment on a pull request: the latest outcome, the deployments table, earlier outcomes. */
export function renderPullRequestComment(input: CommentInput): string {
  const rows = [
    ...(input.created ? [row({ ...input.created, state: "queued", createdAt: input.now, logUrl: null, environmentUrl: null }, input.rolledBack)] : []),
    ...input.history
      .filter((d) => d.id !== input.created?.id)
      .slice(0, 20)
      .map((d) => row(d, input.rolledBack)),
  ];
  const table = rows.length
    ? ["| Environment | SHA | State | Who | When | Links | Deployment |", "|---|---|---|---|---|---|---|", ...rows]
    : ["_No deployment of this pull request yet._"];
  return [
    COMMENT_MARKER,
    "### Shipline",
    "",
    `<!-- shipline:latest ${input.now}${input.source && /^[\w:.-]+$/.test(input.source) ? ` ${input.source}` : ""} -->`,
    input.outcome,
    "",
    ...table,
    "",
    ...(input.sections ?? []).flatMap((section) => [section, ""]),
    ...records(input),
    ...earlier(earlierOutcomes(input.previous, input.source)),
    `<sub>Environments: ${input.config.stages.map((s) => `\`${s.environment}\``).join(" → ")}. Comment \`/help\` for the commands.</sub>`,
  ].join("\n");
}

function earlier(lines: string[]): string[] {
  if (lines.length === 0) return [];
  return ["**Earlier**, newest first:", "", EARLIER_START, ...lines.map((l) => `- ${l}`), EARLIER_END, ""];
}

/** `/help`: the commands, the environments, and who may run what. */
export function renderHelp(config: ShiplineConfig): string {
  return [
    "**Commands** (write them at the start of a comment on a pull request):",
    "",
    "| Command | What it does |",
    "|---|---|",
    "| `/deploy [env]` | Deploy the pull request's head commit (its merge commit once merged) to `env`, by default the first stage it has not reached. |",
    "| `/deploy [env] --dry-run` | Run every check and say what would happen; creates nothing. |",
    "| `/deploy [env] --override-freeze` | Admins only: deploy through a freeze window; recorded in the deployment. |",
    "| `/rollback [env] [to <sha\\|tag\\|deployment-id>]` | Redeploy the last good version of `env`, or the one named. |",
    "| `/lock [env] [reason]` | Hold `env`: nobody else deploys there, merges included, until it is unlocked. |",
    "| `/unlock [env]` | Release the lock (its holder, or an admin). |",
    "| `/approve [env]` | Approve the deployment of this pull request's commit to `env`, where its stage asks for approvals. |",
    "| `/help` | This list. |",
    "",
    "| Environment | Who may deploy | How it is reached | From an unmerged pull request |",
    "|---|---|---|---|",
    ...config.stages.map((s, i) => {
      const how = s.auto ? (i === 0 ? "automatically on merge" : "automatically after the previous stage") : "on command";
      const unmerged = [s.require_approval ? "approval" : "", s.require_checks ? "green checks" : ""].filter(Boolean).join(" and ") || "no extra condition";
      return `| \`${s.environment}\` | ${s.permission} or above | ${how} | needs ${unmerged} |`;
    }),
  ].join("\n");
}

/** The check run that reports a command's outcome on the commit it concerns. */
export function commandCheckRun(sha: string, decision: Outcome, created: { id: number } | null, source?: string): NewCheckRun {
  const refused = decision.decision === "refuse";
  return {
    name: CHECK_RUN_NAME,
    head_sha: sha,
    status: "completed",
    // A refusal is information, not a broken build: it must not block the pull request.
    conclusion: "neutral",
    // Findable again: by its deployment (the lifecycle edits it), else by the command it answers (a re-run).
    ...(created ? { external_id: `deployment:${created.id}` } : source ? { external_id: source } : {}),
    output: {
      title: refused ? `Refused: ${decision.reasonCode}` : escapeMarkdown(decision.message, 200),
      summary: `${escapeMarkdown(decision.message, 1000)}\n\nReason code: \`${decision.reasonCode}\`.`,
    },
  };
}
