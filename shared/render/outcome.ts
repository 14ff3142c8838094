/**
 * One outcome type for every decision Shipline makes. The reason code is stable: it reads
 * the same in a PR comment, a check run, an action output and a log line.
 */
export interface Outcome<Decision extends string = string, Reason extends string = string> {
  decision: Decision;
  reasonCode: Reason;
  /** A sentence a person understands; safe to show on GitHub. */
  message: string;
  details?: Record<string, unknown>;
}
