import { gatewayFor } from "./github.js";
import type { Context, Probot } from "probot";
import { isCommand } from "../shared/commands/grammar.js";
import { defaultBranchLoader } from "../shared/config/load.js";
import { runCommand } from "../shared/commands/run.js";
import { decideHeldFor, heldContextOf } from "./held.js";

/** issue_comment.created on a pull request -> /deploy /rollback /lock /unlock /help. */
export async function onComment(app: Probot, context: Context<"issue_comment.created">): Promise<void> {
  const { comment, issue, sender, repository } = context.payload;
  // Edited and deleted comments never reach here (anyone with write can edit another's comment).
  if (!issue.pull_request) return context.log.debug("comment on an issue, not a pull request: ignored");
  // Bots, this app included, never trigger commands: no loops, no confused deputies.
  if (sender.type === "Bot" || comment.user?.type === "Bot" || comment.performed_via_github_app) return context.log.debug("comment by a bot: ignored");
  // Decided from the text alone: a comment that is not a command costs no request.
  if (!isCommand(comment.body)) return;

  const repo = context.repo();
  const github = await gatewayFor(context.octokit, repo);
  const result = await runCommand({
    github,
    source: { kind: "comment", text: comment.body, commentId: comment.id, pullNumber: issue.number, createdAt: comment.created_at },
    actor: sender.login,
    loadConfig: defaultBranchLoader(context.octokit, repo, repository.default_branch),
    now: new Date(),
  });
  context.log.info({ pr: issue.number, actor: sender.login, reasonCode: result.decision.reasonCode, deploymentId: result.deploymentId, requests: result.requests + 0 }, result.decision.message);
  // An approval that completes the count lets a promotion held for it go on.
  if (result.decision.decision === "approve" && result.decision.complete) await decideHeldFor(app, heldContextOf(context), result.decision.sha);
}

export function registerCommands(app: Probot): void {
  app.on("issue_comment.created", (context) => onComment(app, context));
}
