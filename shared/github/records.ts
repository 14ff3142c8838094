/**
 * Shipline's own approvals, for plans without GitHub's required reviewers: an approval is one
 * person's yes for one SHA in one environment, recorded as a hidden marker in Shipline's PR
 * comment, where every replica reads it back. Only the comment Shipline wrote counts (the facts
 * find it by its author, `viewerDidAuthor`), so a marker typed in anyone else's comment is never
 * read. Who may approve is checked when the approval is given: a recorded approval is a fact.
 */
export interface Approval {
  environment: string;
  sha: string;
  login: string;
  at: string;
}

/** A deploy waiting for approvals: who asked, and the command or promotion that asked. */
export interface Waiting {
  environment: string;
  sha: string;
  actor: string;
  source: string;
}

const APPROVAL = /^<!-- shipline:approval ([A-Za-z0-9._-]+) ([0-9a-f]{40}) ([A-Za-z0-9-]+(?:\[bot\])?) (\S+) -->$/gm;
const WAITING = /^<!-- shipline:waiting ([A-Za-z0-9._-]+) ([0-9a-f]{40}) ([A-Za-z0-9-]+) ([\w:.-]+) -->$/gm;

export function approvalsIn(body: string | null | undefined): Approval[] {
  if (!body) return [];
  return [...body.matchAll(APPROVAL)].map((m) => ({ environment: m[1]!, sha: m[2]!, login: m[3]!, at: m[4]! }));
}

export function waitingIn(body: string | null | undefined): Waiting[] {
  if (!body) return [];
  return [...body.matchAll(WAITING)].map((m) => ({ environment: m[1]!, sha: m[2]!, actor: m[3]!, source: m[4]! }));
}

export function approvalMarker(a: Approval): string {
  return `<!-- shipline:approval ${a.environment} ${a.sha} ${a.login} ${a.at} -->`;
}

export function waitingMarker(w: Waiting): string {
  return `<!-- shipline:waiting ${w.environment} ${w.sha} ${w.actor} ${w.source} -->`;
}

/** The name of Shipline's check run on every commit it concerns. */
export const CHECK_RUN_NAME = "Shipline";
