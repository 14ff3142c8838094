/**
 * Environment locks live in git refs (`refs/shipline/locks/<environment>`) pointing at a
 * commit whose message holds who, why and since when. Creating a ref that exists fails,
 * so two replicas (or two people) can never both take the same lock.
 */
export const LOCK_REF_PREFIX = "refs/shipline/locks/";
/** git's empty tree: the lock commit carries no files, only its message. */
export const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

export interface Lock {
  environment: string;
  holder: string;
  reason: string;
  since: string;
  /** The command that took it (`comment:123`): a re-run of that command finds its own lock. */
  source?: string;
}

/** A lock whose commit cannot be read still blocks: an unreadable lock never frees an environment. */
export type LockState = { kind: "held"; lock: Lock } | { kind: "unreadable"; since: string | null };

export function lockRef(environment: string): string {
  return `${LOCK_REF_PREFIX}${environment}`;
}

export function lockMessage(lock: Lock): string {
  return `Shipline lock: ${lock.environment}\n\n${JSON.stringify({ shipline_lock: lock })}\n`;
}

export function readLock(message: string | null, committedDate: string | null): LockState {
  const json = message?.slice(message.indexOf("{"));
  try {
    const value = (JSON.parse(json ?? "") as { shipline_lock?: Partial<Lock> }).shipline_lock;
    if (value && typeof value.holder === "string" && typeof value.environment === "string") {
      const lock: Lock = { environment: value.environment, holder: value.holder, reason: String(value.reason ?? ""), since: String(value.since ?? committedDate ?? "") };
      if (typeof value.source === "string") lock.source = value.source;
      return { kind: "held", lock };
    }
  } catch {
    // fall through: unreadable
  }
  return { kind: "unreadable", since: committedDate };
}
