import { gatewayFor, installationContextOf, type InstallationContext } from "./github.js";
import type { Context, Probot } from "probot";
import { z } from "zod";
import { FACTS_QUERY, parseFacts } from "../shared/github/facts.js";
import { GitHubGateway } from "../shared/github/gateway.js";
import { configFromFacts, defaultBranchLoader } from "../shared/config/load.js";
import { shiplineOf } from "../shared/github/payload.js";
import { decideLater } from "./decide-again.js";
import { decideHeldFor, heldContextOf } from "./held.js";
import { checksToWaitFor, decideProtection, shiplineRequestOf, type ProtectionRequest } from "../shared/gates/protection.js";

// The event's own fields, validated: its types lag behind GitHub (sha and ref are recent).
const requested = z.object({
  environment: z.string(),
  deployment_callback_url: z.string().regex(/\/actions\/runs\/\d+\/deployment_protection_rule$/),
  deployment: z.object({ sha: z.string().regex(/^[0-9a-f]{40}$/), creator: z.object({ login: z.string() }).nullable().optional(), payload: z.unknown().optional() }),
});

/** The event's view of who asked: Shipline's payload when the event carries it, else only a login. */
type Asked = Omit<ProtectionRequest, "actor" | "overrideFreeze"> & { payload: { actor: string; overrideFreeze: boolean } | null; fallbackActor: string };

async function evaluate(app: Probot, context: InstallationContext, github: GitHubGateway, asked: Asked): Promise<void> {
  const repo = context.repo;
  const facts = parseFacts(await github.facts(FACTS_QUERY, null));
  const { payload, fallbackActor, ...where } = asked;
  const request: ProtectionRequest = { ...where, ...(payload ?? shiplineRequestOf(facts, where.sha, where.environment) ?? { actor: fallbackActor, overrideFreeze: false }) };
  const loaded = await configFromFacts(facts, defaultBranchLoader(context.octokit, repo));
  if (!loaded.ok) {
    // Fail closed: a pipeline that cannot be read approves nothing.
    const problems = loaded.problems.map((p) => `- ${p.path}: expected ${p.expected}; found ${p.found}.`).join("\n");
    await github.reviewProtectionRule(request.runId, { environment_name: request.environment, state: "rejected", comment: `Shipline rejected: ${loaded.source} on the default branch is not valid (config_invalid).\n${problems}` });
    return;
  }
  const [runs, statuses] = await Promise.all([github.checkRunsOn(request.sha), github.commitStatuses(request.sha)]);
  const decision = decideProtection(request, loaded.config, facts, checksToWaitFor(runs, statuses, request.runId), new Date());
  await github.reviewProtectionRule(request.runId, {
    environment_name: request.environment,
    comment: decision.comment.slice(0, 65_000),
    ...(decision.state === "pending" ? {} : { state: decision.state }),
  });
  context.log.info({ environment: request.environment, sha: request.sha, state: decision.state, decideAgainAt: decision.decideAgainAt }, "protection rule answered");
  if (decision.decideAgainAt) {
    decideLater(app, context, `${repo.owner}/${repo.repo}:${request.runId}:${request.environment}`, Date.parse(decision.decideAgainAt), "the protection rule's answer", async (fresh) =>
      evaluate(app, fresh, await gatewayFor(fresh.octokit, repo), asked),
    );
  }
}


/** deployment_protection_rule.requested -> approve, reject, or report and wait. */
export async function onProtectionRule(app: Probot, context: Context<"deployment_protection_rule.requested">): Promise<void> {
  const parsed = requested.safeParse(context.payload);
  if (!parsed.success) return context.log.warn({ issues: parsed.error.issues }, "deployment_protection_rule without the fields Shipline needs: ignored");
  const { environment, deployment_callback_url: url, deployment } = parsed.data;
  const shipline = shiplineOf(deployment.payload);
  const github = await gatewayFor(context.octokit, context.repo());
  await evaluate(app, installationContextOf(context), github, {
    environment,
    sha: deployment.sha,
    payload: shipline ? { actor: typeof shipline.actor === "string" ? shipline.actor : (deployment.creator?.login ?? "unknown"), overrideFreeze: shipline.override_freeze === true } : null,
    fallbackActor: deployment.creator?.login ?? context.payload.sender?.login ?? "unknown",
    runId: Number(/\/actions\/runs\/(\d+)\//.exec(url)![1]),
  });
}

/**
 * A check run or a commit status finished: decide again for every run of that commit still
 * waiting on Shipline. Nothing is remembered between events; the waiting runs are found
 * through the API.
 */
async function decideAgainFor(app: Probot, context: Context, sha: string): Promise<void> {
  const github = await gatewayFor(context.octokit, context.repo());
  for (const waiting of await github.waitingRuns(sha)) {
    for (const environment of await github.pendingEnvironments(waiting.id)) {
      await evaluate(app, installationContextOf(context), github, { environment, sha, payload: null, fallbackActor: context.payload.sender?.login ?? "unknown", runId: waiting.id });
    }
  }
}

export async function onCheckCompleted(app: Probot, context: Context<"check_run.completed">): Promise<void> {
  const run = context.payload.check_run;
  if (run.name === "Shipline") return;
  await decideHeldFor(app, heldContextOf(context), run.head_sha, true);
  await decideAgainFor(app, context, run.head_sha);
}

/** A commit status (CI that reports statuses, not check runs) that is no longer pending. */
export async function onStatus(app: Probot, context: Context<"status">): Promise<void> {
  if (context.payload.state === "pending") return context.log.debug({ sha: context.payload.sha }, "a pending status decides nothing");
  await decideHeldFor(app, heldContextOf(context), context.payload.sha, true);
  await decideAgainFor(app, context, context.payload.sha);
}

export function registerProtection(app: Probot): void {
  app.on("deployment_protection_rule.requested", (context) => onProtectionRule(app, context));
  app.on("check_run.completed", (context) => onCheckCompleted(app, context));
  app.on("status", (context) => onStatus(app, context));
}
