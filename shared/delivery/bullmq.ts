import { Queue, UnrecoverableError, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { describeError, isRetryable, partitionOf, type AddResult, type DeliveryJob, type DeliveryQueue, type JobHandler, type QueueCounts, type QueueSettings } from "./queue.js";

export interface BullSettings extends QueueSettings {
  redisUrl: string;
  /** Key prefix in Redis: replicas of one app share it. */
  prefix: string;
  /**
   * How long a worker's lock on a job lasts without renewal: a replica that dies mid-job
   * (SIGKILL, a lost machine) stops renewing it, and another replica takes the job over at
   * the next stalled-job check. Lock + check interval bound the recovery time.
   */
  lockMs: number;
  stalledCheckMs: number;
}

const DAY_S = 24 * 3600;

/**
 * The durable queue across replicas: BullMQ on Redis. Repositories are spread over
 * `partitions` queues, each with a global concurrency of 1, so one repository's deliveries
 * run one at a time, in arrival order, whichever replica takes them; other partitions run in
 * parallel. The BullMQ job id is the delivery GUID, so the same delivery reaching several
 * replicas (or redelivered) is one job. Completed ids are kept three days (GitHub's window
 * for redelivery); failed jobs are the dead letters, kept thirty.
 */
export class BullDeliveryQueue implements DeliveryQueue {
  readonly kind = "bullmq" as const;
  private readonly connection: Redis;
  private readonly queues: Queue[];
  private readonly workers: Worker[] = [];

  constructor(private readonly settings: BullSettings) {
    // BullMQ's blocking commands need no retry limit on the shared connection.
    this.connection = new Redis(settings.redisUrl, { maxRetriesPerRequest: null, enableOfflineQueue: true });
    this.queues = Array.from({ length: settings.partitions }, (_, i) => new Queue(this.nameOf(i), { connection: this.connection, prefix: settings.prefix }));
    // ioredis reconnects by itself; an outage shows as 503s at the door, not as a log line per retry.
    this.connection.on("error", () => {});
    for (const queue of this.queues) queue.on("error", () => {});
  }

  private nameOf(partition: number): string {
    return `deliveries-${partition}`;
  }

  async add(job: DeliveryJob): Promise<AddResult> {
    const queue = this.queues[partitionOf(job.key, this.settings.partitions)]!;
    const existing = await queue.getJob(job.id);
    if (existing) {
      // A dead letter redelivered by hand runs again; anything else is the same delivery twice.
      if (await existing.isFailed()) {
        await existing.retry("failed");
        return "requeued";
      }
      return "duplicate";
    }
    const added = await queue.add(job.name, job, {
      jobId: job.id,
      attempts: this.settings.attempts,
      backoff: { type: "exponential", delay: this.settings.backoffMs },
      removeOnComplete: { age: 3 * DAY_S },
      removeOnFail: { age: 30 * DAY_S },
    });
    // Two replicas adding the same GUID at once: BullMQ keeps the first, and the second gets it back.
    return added.timestamp && (added.data as DeliveryJob).receivedAt !== job.receivedAt ? "duplicate" : "queued";
  }

  async start(handler: JobHandler): Promise<void> {
    await Promise.all(this.queues.map((q) => q.setGlobalConcurrency(1)));
    for (let i = 0; i < this.settings.partitions; i++) {
      const worker = new Worker(
        this.nameOf(i),
        async (job: Job) => {
          const data = job.data as DeliveryJob;
          const attempt = job.attemptsMade + 1;
          try {
            await handler(data, attempt);
          } catch (error) {
            // A 4xx repeats itself: straight to the dead letters, with its words.
            if (!isRetryable(error)) throw new UnrecoverableError(describeError(error));
            throw new Error(describeError(error));
          }
        },
        {
          // A fresh connection per worker: BullMQ blocks on it while waiting for jobs.
          connection: this.connection.duplicate(),
          prefix: this.settings.prefix,
          concurrency: 1,
          lockDuration: this.settings.lockMs,
          stalledInterval: this.settings.stalledCheckMs,
          maxStalledCount: 2,
        },
      );
      const started = new Map<string, number>();
      worker.on("active", (job) => started.set(job.id!, Date.now()));
      const event = (job: Job, outcome: "done" | "retrying" | "dead", error?: string) => {
        const data = job.data as DeliveryJob;
        this.settings.onEvent?.({ id: data.id, name: data.name, key: data.key, outcome, attempt: job.attemptsMade + (outcome === "done" ? 1 : 0), ms: Date.now() - (started.get(job.id!) ?? Date.now()), ...(error ? { error } : {}) });
        if (outcome !== "retrying") started.delete(job.id!);
      };
      worker.on("completed", (job) => event(job, "done"));
      worker.on("failed", (job, error) => {
        if (!job) return;
        const dead = error instanceof UnrecoverableError || error.name === "UnrecoverableError" || job.attemptsMade >= (job.opts.attempts ?? 1);
        event(job, dead ? "dead" : "retrying", error.message);
      });
      worker.on("stalled", (id) => this.settings.onEvent?.({ id, name: "", key: `partition ${i}`, outcome: "recovered", attempt: 0, ms: 0 }));
      // Connection errors are retried by ioredis; logging each would flood the log during an outage.
      worker.on("error", () => {});
      this.workers.push(worker);
    }
  }

  async counts(): Promise<QueueCounts> {
    const all = await Promise.all(this.queues.map((q) => q.getJobCounts("waiting", "active", "delayed", "failed", "prioritized", "waiting-children")));
    const sum = (k: string) => all.reduce((n, c) => n + (c[k] ?? 0), 0);
    return { waiting: sum("waiting") + sum("prioritized"), active: sum("active"), delayed: sum("delayed"), failed: sum("failed") };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all(this.queues.map((q) => q.close()));
    this.connection.disconnect();
  }
}
