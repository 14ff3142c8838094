import { z } from "zod";
import { isCommand } from "../shared/commands/grammar.js";
import { shiplineOf } from "../shared/github/payload.js";
import type { Triage } from "../shared/delivery/ingress.js";

/**
 * What each handled event must carry for its handler: checked at the door, so a signed
 * payload that lacks a field is a 400 naming it, never a TypeError halfway through the work.
 * Only the fields the handlers read; GitHub's payloads carry many more.
 */
const account = z.object({ login: z.string(), type: z.string().optional() });
const repository = z.object({ name: z.string(), full_name: z.string(), owner: z.object({ login: z.string() }), default_branch: z.string(), html_url: z.string().optional() });
const installation = z.object({ id: z.number().int() });
const base = { repository, installation, sender: account };
const sha = z.string().regex(/^[0-9a-f]{40}$/, "a 40-character commit SHA");

const SCHEMAS = {
  push: z.object({ ...base, ref: z.string(), after: z.string(), deleted: z.boolean().optional(), head_commit: z.object({ id: z.string(), message: z.string() }).nullable() }),
  issue_comment: z.object({
    ...base,
    action: z.string(),
    issue: z.object({ number: z.number().int(), pull_request: z.object({}).passthrough().optional() }),
    comment: z.object({ id: z.number().int(), body: z.string(), created_at: z.string(), user: account.nullable() }),
  }),
  check_run: z.object({
    ...base,
    action: z.string(),
    check_run: z.object({ id: z.number().int(), name: z.string(), head_sha: sha, pull_requests: z.array(z.object({ number: z.number().int() })) }),
    requested_action: z.object({ identifier: z.string() }).nullable().optional(),
  }),
  status: z.object({ ...base, sha, state: z.string() }),
  deployment_status: z.object({
    ...base,
    action: z.string(),
    deployment: z.object({ id: z.number().int(), sha, environment: z.string(), task: z.string(), created_at: z.string(), payload: z.unknown() }),
    deployment_status: z.object({ state: z.string(), created_at: z.string() }),
  }),
  deployment_protection_rule: z.object({ ...base, action: z.string(), environment: z.string(), deployment_callback_url: z.string(), deployment: z.object({ sha }) }),
} as const;

const FINAL_STATES = new Set(["success", "failure", "error"]);

function firstIssue(event: string, error: z.ZodError): string {
  const issue = error.issues[0]!;
  const path = ["payload", ...issue.path.map(String)].join(".");
  return `A ${event} payload needs \`${path}\` (${issue.message}); this one cannot be handled.`;
}

/**
 * Decides at the door, from the payload alone and with no request: work for the queue (keyed
 * by repository, the order that matters), nothing to do (most events: other actions, comments
 * that are not commands, bots), or a payload that lacks what its handler reads.
 */
export function triage(event: string, payload: unknown): Triage {
  if (!(event in SCHEMAS)) return { work: false, reason: `Shipline does not handle ${event}` };
  const parsed = SCHEMAS[event as keyof typeof SCHEMAS].safeParse(payload);
  if (!parsed.success) return { invalid: firstIssue(event, parsed.error) };
  const data = parsed.data as z.infer<(typeof SCHEMAS)["push"]> & Record<string, any>;
  const key = data.repository.full_name.toLowerCase();
  const work: Triage = { work: true, key };
  switch (event) {
    case "push":
      return data.ref === `refs/heads/${data.repository.default_branch}` ? work : { work: false, reason: "not the default branch" };
    case "issue_comment": {
      const comment = data.comment as { body: string; user: { type?: string } | null };
      if (data.action !== "created") return { work: false, reason: `comment ${data.action}` };
      if (!data.issue.pull_request) return { work: false, reason: "not a pull request" };
      if (data.sender.type === "Bot" || comment.user?.type === "Bot") return { work: false, reason: "by a bot" };
      return isCommand(comment.body) ? work : { work: false, reason: "not a command" };
    }
    case "check_run":
      if (data.action === "requested_action") return data.sender.type === "Bot" ? { work: false, reason: "by a bot" } : work;
      // Shipline's own check run completing decides nothing (and would loop).
      if (data.action === "completed") return data.check_run.name === "Shipline" ? { work: false, reason: "Shipline's own check run" } : work;
      return { work: false, reason: `check_run ${data.action}` };
    case "status":
      return data.state === "pending" ? { work: false, reason: "pending status" } : work;
    case "deployment_status":
      if (!shiplineOf(data.deployment.payload)) return { work: false, reason: "not Shipline's deployment" };
      return FINAL_STATES.has(data.deployment_status.state) ? work : { work: false, reason: `${data.deployment_status.state} status` };
    case "deployment_protection_rule":
      return data.action === "requested" ? work : { work: false, reason: `deployment_protection_rule ${data.action}` };
  }
  return work;
}
