import { createServer, type Server } from "node:http";
import { verify } from "@octokit/webhooks-methods";
import { createProbot, type Probot } from "probot";
import { BullDeliveryQueue } from "../shared/delivery/bullmq.js";
import { createIngress, type IngressLogEntry } from "../shared/delivery/ingress.js";
import { DEFAULT_QUEUE_SETTINGS, InProcessQueue, type DeliveryQueue, type JobEvent, type QueueSettings } from "../shared/delivery/queue.js";
import shipline from "./index.js";
import { triage } from "./triage.js";
import { dashboardFromEnv } from "./dashboard.js";

const WEBHOOK_PATH = "/api/github/webhooks";

const numberFrom = (value: string | undefined, fallback: number) => (value && Number.isFinite(Number(value)) && Number(value) > 0 ? Number(value) : fallback);

/** The queue the environment asks for: BullMQ on `REDIS_URL`, else the in-process one. */
export function queueFromEnv(env: NodeJS.ProcessEnv, onEvent: (event: JobEvent) => void): DeliveryQueue {
  const settings: QueueSettings = {
    partitions: numberFrom(env.SHIPLINE_QUEUE_PARTITIONS, DEFAULT_QUEUE_SETTINGS.partitions),
    attempts: numberFrom(env.SHIPLINE_QUEUE_ATTEMPTS, DEFAULT_QUEUE_SETTINGS.attempts),
    backoffMs: numberFrom(env.SHIPLINE_QUEUE_BACKOFF_MS, DEFAULT_QUEUE_SETTINGS.backoffMs),
    onEvent,
  };
  if (!env.REDIS_URL) return new InProcessQueue(settings);
  return new BullDeliveryQueue({
    ...settings,
    redisUrl: env.REDIS_URL,
    prefix: env.SHIPLINE_QUEUE_PREFIX || "shipline",
    lockMs: numberFrom(env.SHIPLINE_QUEUE_LOCK_MS, 15_000),
    stalledCheckMs: numberFrom(env.SHIPLINE_QUEUE_STALLED_CHECK_MS, 10_000),
  });
}

export interface RunningServer {
  server: Server;
  probot: Probot;
  queue: DeliveryQueue;
  close(): Promise<void>;
}

/**
 * Shipline as `npm start` runs it: Probot for authentication and the handlers, an ingress that
 * answers each delivery once it is verified and queued, and workers that take the queue's jobs
 * one repository at a time.
 */
export async function startServer(env: NodeJS.ProcessEnv = process.env): Promise<RunningServer> {
  const probot = createProbot({ env });
  await probot.load(shipline);
  const log = probot.log.child({ name: "shipline" });
  const queue = queueFromEnv(env, (event) => {
    const line = { delivery: event.id, event: event.name, repository: event.key, outcome: event.outcome, attempt: event.attempt, ms: event.ms, ...(event.error ? { error: event.error } : {}) };
    if (event.outcome === "dead") log.error(line, `job dead-lettered after ${event.attempt} attempt(s): ${event.error}`);
    else if (event.outcome === "retrying") log.warn(line, `job failed, retrying: ${event.error}`);
    else log.info(line, `job ${event.outcome}`);
  });
  // Not awaited: with Redis unreachable at start, the app still listens, answers 503 (nothing
  // queued, so the delivery can be redelivered), and its workers start when Redis answers.
  void queue
    .start(async (job, attempt) => {
      log.info({ delivery: job.id, event: job.name, repository: job.key, attempt }, "job started");
      await probot.receive({ id: job.id, name: job.name as never, payload: job.payload as never });
    })
    .catch((error: unknown) => log.error({ error: (error as Error).message }, "the queue's workers could not start"));

  const ingress = createIngress({
    secret: env.WEBHOOK_SECRET ?? "",
    queue,
    path: env.WEBHOOK_PATH || WEBHOOK_PATH,
    verify,
    triage,
    log: (entry: IngressLogEntry) => (entry.status >= 500 ? log.error(entry, "delivery") : entry.status >= 400 ? log.warn(entry, "delivery") : log.info(entry, "delivery")),
  });
  const dashboard = dashboardFromEnv(probot, env);
  const server = createServer((req, res) => {
    void ingress(req, res).then(async (handled) => {
      if (handled) return;
      if (dashboard && (await dashboard(req, res).catch((error: unknown) => {
        log.error({ error: (error as Error).message, path: req.url?.split("?")[0] }, "dashboard page failed");
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain; charset=utf-8" });
        res.end("GitHub could not be read; try again.");
        return true;
      }))) return;
      if (req.method === "GET" && req.url === "/ping") {
        // Probot's liveness route, which the Dockerfile's HEALTHCHECK asks.
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("PONG");
        return;
      }
      if (req.method === "GET" && (req.url === "/" || req.url === "/healthz")) {
        const counts = await Promise.race([queue.counts(), new Promise<null>((resolve) => setTimeout(() => resolve(null), 2000))]).catch(() => null);
        res.writeHead(counts ? 200 : 503, { "content-type": "application/json" });
        res.end(JSON.stringify({ app: "shipline", queue: queue.kind, counts }));
        return;
      }
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "Not found." }));
    });
  });
  // GitHub waits 10 s; a connection idling longer is not GitHub's.
  server.requestTimeout = 30_000;
  const port = numberFrom(env.PORT, 3000);
  // Probot's default: localhost, which nothing outside the host reaches (a container sets 0.0.0.0).
  const host = env.HOST || "localhost";
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  log.info({ port, queue: queue.kind }, `Shipline listening on ${host}:${port}, queue: ${queue.kind}`);
  return {
    server,
    probot,
    queue,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.close();
    },
  };
}
