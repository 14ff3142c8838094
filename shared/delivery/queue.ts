/**
 * A webhook delivery as a unit of work. Its id is GitHub's `X-GitHub-Delivery` GUID: one
 * delivery is one job, whichever replica or replicas it reaches, and a redelivery (same GUID)
 * of a job already done changes nothing.
 */
export interface DeliveryJob {
  id: string;
  name: string;
  payload: unknown;
  /** `owner/name`, or `installation:<id>` for events about no repository: the order key. */
  key: string;
  receivedAt: number;
}

export type AddResult = "queued" | "duplicate" | "requeued";

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

/** What a job's handler reports back: done, or an error and whether another attempt may help. */
export type JobHandler = (job: DeliveryJob, attempt: number) => Promise<void>;

/**
 * The durable queue between the webhook answer and the work. Jobs of one key (a repository)
 * run one at a time in arrival order, across every replica; different keys run in parallel.
 */
export interface DeliveryQueue {
  readonly kind: "bullmq" | "in-process";
  add(job: DeliveryJob): Promise<AddResult>;
  start(handler: JobHandler): Promise<void>;
  counts(): Promise<QueueCounts>;
  close(): Promise<void>;
}

/** Something that happened to a job, for the log: never the payload. */
export interface JobEvent {
  id: string;
  name: string;
  key: string;
  outcome: "done" | "retrying" | "dead" | "recovered";
  attempt: number;
  ms: number;
  error?: string;
}

export interface QueueSettings {
  partitions: number;
  attempts: number;
  /** First retry delay; doubled at each attempt. */
  backoffMs: number;
  onEvent?: (event: JobEvent) => void;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = { partitions: 16, attempts: 5, backoffMs: 2000 };

/** FNV-1a: a repository always lands in the same partition, on every replica. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

const TRANSIENT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENOTFOUND", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT"]);

/**
 * Whether another attempt may succeed: GitHub's 5xx, its rate limits (429, or 403 with the
 * rate-limit headers), a broken connection. A 4xx is the request's own fault: retrying repeats it.
 */
export function isRetryable(error: unknown): boolean {
  const errors = error instanceof AggregateError ? error.errors : [error];
  return errors.some((e) => {
    const status = (e as { status?: unknown } | null)?.status;
    // No HTTP status: a broken connection is transient; anything else (a bug, a payload the
    // code cannot read) would fail the same way again.
    if (typeof status !== "number") return TRANSIENT_CODES.has(String((e as { code?: unknown } | null)?.code ?? ""));
    if (status >= 500 || status === 429) return true;
    const headers = ((e as { response?: { headers?: Record<string, string> } }).response?.headers ?? {}) as Record<string, string>;
    return status === 403 && (headers["x-ratelimit-remaining"] === "0" || headers["retry-after"] !== undefined);
  });
}

/** An error's words for the log: its message and status, never the request or payload it may carry. */
export function describeError(error: unknown): string {
  const errors = error instanceof AggregateError ? error.errors : [error];
  return errors
    .map((e) => {
      const status = (e as { status?: unknown } | null)?.status;
      const message = e instanceof Error ? e.message : String(e);
      return `${typeof status === "number" ? `${status} ` : ""}${message.split("\n", 1)[0]!.slice(0, 300)}`;
    })
    .join("; ");
}

/**
 * The in-process queue: the embedded default, for one replica. Same semantics as the
 * BullMQ one within the process: one job per key at a time in arrival order, a GUID
 * seen in the last three days is a duplicate, retries with backoff, then a dead letter.
 * Nothing survives a restart: that is what `REDIS_URL` is for.
 */
export class InProcessQueue implements DeliveryQueue {
  readonly kind = "in-process" as const;
  private readonly tails = new Map<number, Promise<void>>();
  private readonly seen = new Map<string, { at: number; state: "waiting" | "active" | "done" | "dead"; job: DeliveryJob }>();
  private handler: JobHandler | null = null;
  private readonly pending: DeliveryJob[] = [];
  private active = 0;
  private waiting = 0;
  private delayed = 0;
  private closed = false;
  /** How long a GUID is remembered: GitHub offers redelivery for three days. */
  static readonly REMEMBER_MS = 3 * 24 * 3600_000;

  constructor(
    private readonly settings: QueueSettings = DEFAULT_QUEUE_SETTINGS,
    private readonly sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  ) {}

  async add(job: DeliveryJob): Promise<AddResult> {
    this.forgetOld(job.receivedAt);
    const known = this.seen.get(job.id);
    if (known && known.state !== "dead") return "duplicate";
    this.seen.set(job.id, { at: job.receivedAt, state: "waiting", job });
    this.waiting++;
    if (this.handler) this.schedule(job);
    else this.pending.push(job);
    return known ? "requeued" : "queued";
  }

  async start(handler: JobHandler): Promise<void> {
    this.handler = handler;
    for (const job of this.pending.splice(0)) this.schedule(job);
  }

  async counts(): Promise<QueueCounts> {
    return { waiting: this.waiting, active: this.active, delayed: this.delayed, failed: [...this.seen.values()].filter((s) => s.state === "dead").length };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.tails.values());
  }

  private schedule(job: DeliveryJob): void {
    const partition = partitionOf(job.key, this.settings.partitions);
    const tail = (this.tails.get(partition) ?? Promise.resolve()).then(() => this.run(job));
    this.tails.set(partition, tail);
  }

  private async run(job: DeliveryJob): Promise<void> {
    const entry = this.seen.get(job.id)!;
    this.waiting--;
    if (this.closed) return;
    this.active++;
    entry.state = "active";
    const started = Date.now();
    try {
      // Retries stay in the partition: the next job of the repository waits, as its order requires.
      for (let attempt = 1; ; attempt++) {
        try {
          await this.handler!(job, attempt);
          entry.state = "done";
          this.settings.onEvent?.({ id: job.id, name: job.name, key: job.key, outcome: "done", attempt, ms: Date.now() - started });
          return;
        } catch (error) {
          const retry = attempt < this.settings.attempts && isRetryable(error);
          this.settings.onEvent?.({ id: job.id, name: job.name, key: job.key, outcome: retry ? "retrying" : "dead", attempt, ms: Date.now() - started, error: describeError(error) });
          if (!retry) {
            entry.state = "dead";
            return;
          }
          this.delayed++;
          await this.sleep(this.settings.backoffMs * 2 ** (attempt - 1));
          this.delayed--;
        }
      }
    } finally {
      this.active--;
    }
  }

  private forgetOld(now: number): void {
    if (this.seen.size < 10_000) return;
    for (const [id, entry] of this.seen) if ((entry.state === "done" || entry.state === "dead") && now - entry.at > InProcessQueue.REMEMBER_MS) this.seen.delete(id);
  }
}
