import { gatewayFor } from "./github.js";
import type { Context, Probot } from "probot";
import { defaultBranchLoader } from "../shared/config/load.js";
import { runCommand } from "../shared/commands/run.js";
import { decideHeldFor, heldContextOf } from "./held.js";

// `approve:<stage>[:<pr>]`: a merge commit's check run lists no pull request, so the button names it.
const IDENTIFIER = /^(deploy|rollback|approve):(\d{1,2})(?::(\d{1,9}))?$/;

/** check_run.requested_action -> the same core as /deploy and /rollback, for the user who clicked. */
export async function onButton(app: Probot, context: Context<"check_run.requested_action">): Promise<void> {
  const { check_run: run, requested_action: action, sender, repository } = context.payload;
  const match = IDENTIFIER.exec(action?.identifier ?? "");
  if (!match) return context.log.debug({ identifier: action?.identifier }, "unknown button: ignored");
  if (sender.type === "Bot") return context.log.debug("button clicked by a bot: ignored");

  const repo = context.repo();
  const github = await gatewayFor(context.octokit, repo);
  const result = await runCommand({
    github,
    source: {
      kind: "button",
      action: match[1] as "deploy" | "rollback" | "approve",
      stageIndex: Number(match[2]),
      checkRunId: run.id,
      // The commit the check run is on: a button never deploys a branch tip.
      sha: run.head_sha,
      pullNumber: run.pull_requests[0]?.number ?? (match[3] ? Number(match[3]) : null),
    },
    actor: sender.login,
    loadConfig: defaultBranchLoader(context.octokit, repo, repository.default_branch),
    now: new Date(),
  });
  context.log.info({ sha: run.head_sha, actor: sender.login, reasonCode: result.decision.reasonCode, deploymentId: result.deploymentId }, result.decision.message);
  // An approval that completes the count lets a promotion held for it go on.
  if (result.decision.decision === "approve" && result.decision.complete) await decideHeldFor(app, heldContextOf(context), run.head_sha);
}

export function registerButtons(app: Probot): void {
  app.on("check_run.requested_action", (context) => onButton(app, context));
}
