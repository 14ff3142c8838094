/** The fields of a `push` webhook that decide whether it delivers a commit to deploy. */
export interface PushEventFacts {
  ref: string;
  after: string;
  deleted: boolean;
  head_commit: { id: string; message: string } | null;
  repository: { default_branch: string };
  sender?: { login: string } | null;
}

export interface MergeTarget {
  sha: string;
  /** The head commit's first line, as the author wrote it (untrusted: escape before display). */
  title: string;
  actor: string;
  /** The pull request the commit came from, when its message says so. */
  pullRequest: number | null;
  trigger: "merge" | "push";
}

export type PushIgnoreReason = "not_default_branch" | "branch_deleted" | "no_head_commit";

const SHA = /^[0-9a-f]{40}$/;
// GitHub's own wording for merge commits, and the `(#123)` suffix it gives squash merges.
const MERGE_MESSAGE = /^Merge pull request #(\d+) from /;
const SQUASH_SUFFIX = /\(#(\d+)\)\s*$/;

/** The pull request number GitHub wrote into a merge or squash commit message, if any. */
export function pullRequestFromMessage(message: string): number | null {
  const firstLine = message.split("\n", 1)[0] ?? "";
  const match = MERGE_MESSAGE.exec(firstLine) ?? SQUASH_SUFFIX.exec(firstLine);
  return match ? Number(match[1]) : null;
}

/**
 * Decides from the payload alone (no request) whether a push puts a new commit on the
 * default branch. Tags, other branches, deletions and pushes without a head commit are not.
 */
export function mergeTarget(push: PushEventFacts): { target: MergeTarget } | { ignored: PushIgnoreReason } {
  if (push.ref !== `refs/heads/${push.repository.default_branch}`) return { ignored: "not_default_branch" };
  if (push.deleted) return { ignored: "branch_deleted" };
  const head = push.head_commit;
  if (!head || !SHA.test(head.id) || head.id !== push.after) return { ignored: "no_head_commit" };
  const pullRequest = pullRequestFromMessage(head.message);
  return {
    target: {
      sha: head.id,
      title: head.message.split("\n", 1)[0] ?? "",
      actor: push.sender?.login ?? "unknown",
      pullRequest,
      trigger: pullRequest === null ? "push" : "merge",
    },
  };
}
