import type { IncomingMessage, ServerResponse } from "node:http";
import type { DeliveryQueue } from "./queue.js";

/** GitHub caps webhook payloads at 25 MB; anything longer is not from GitHub. */
export const GITHUB_PAYLOAD_LIMIT = 25 * 1024 * 1024;

/** What triage says of a verified delivery: work for the queue (with its order key), nothing to do, or a payload that lacks a field. */
export type Triage = { work: true; key: string } | { work: false; reason: string } | { invalid: string };

/** One line per delivery: who, what, where, how it ended. Never the payload. */
export interface IngressLogEntry {
  delivery: string | null;
  event: string | null;
  action?: string | null;
  repository?: string | null;
  status: number;
  outcome: string;
  ms: number;
}

export interface IngressOptions {
  secret: string;
  queue: DeliveryQueue;
  path: string;
  maxBytes?: number;
  /** `@octokit/webhooks-methods`' verify: the HMAC in constant time. */
  verify: (secret: string, body: string, signature: string) => Promise<boolean>;
  triage: (event: string, payload: unknown) => Triage;
  log: (entry: IngressLogEntry) => void;
  now?: () => number;
  /** How long queuing may take before the delivery is answered 503 (Redis unreachable): well inside GitHub's 10 s. */
  queueTimeoutMs?: number;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the body up to `max` bytes: past it, the request is refused without buffering the rest. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        chunks.length = 0;
        req.pause();
        reject(new Refusal(413, `The body is over ${max} bytes, GitHub's limit for a webhook payload.`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks, size)));
    req.on("error", reject);
  });
}

/**
 * The webhook endpoint: verify the signature, triage the event, put it on the queue, answer.
 * No GitHub request happens here, so the answer takes milliseconds however slow the work is,
 * well inside GitHub's 10 seconds; the work itself runs from the queue.
 */
export function createIngress(options: IngressOptions) {
  const max = options.maxBytes ?? GITHUB_PAYLOAD_LIMIT;
  const now = options.now ?? (() => performance.now());

  return async function ingress(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = (req.url ?? "/").split("?", 1)[0];
    if (url !== options.path) return false;
    const started = now();
    const header = (name: string) => {
      const value = req.headers[name];
      return typeof value === "string" && value.length > 0 ? value : null;
    };
    const delivery = header("x-github-delivery");
    const event = header("x-github-event");
    const entry: IngressLogEntry = { delivery, event, status: 0, outcome: "", ms: 0 };
    const answer = (status: number, outcome: string, body: Record<string, unknown>, close = false) => {
      entry.status = status;
      entry.outcome = outcome;
      entry.ms = Math.round((now() - started) * 100) / 100;
      res.writeHead(status, { "content-type": "application/json", ...(close ? { connection: "close" } : {}) });
      res.end(JSON.stringify(body), () => {
        // The rest of an oversized body is never read: the connection goes with the answer.
        if (close) req.socket.destroy();
      });
      options.log(entry);
      return true;
    };

    try {
      if (req.method !== "POST") return answer(405, "not POST", { error: "Webhooks are POSTed." });
      const declared = Number(req.headers["content-length"]);
      if (Number.isFinite(declared) && declared > max) throw new Refusal(413, `The body is ${declared} bytes, over ${max}, GitHub's limit for a webhook payload.`);
      for (const [name, value] of [["x-github-event", event], ["x-github-delivery", delivery], ["x-hub-signature-256", header("x-hub-signature-256")]] as const) {
        if (!value) throw new Refusal(400, `The ${name} header is missing: this is not a GitHub webhook delivery.`);
      }
      const raw = await readBody(req, max);
      const body = raw.toString("utf8");
      if (!(await options.verify(options.secret, body, header("x-hub-signature-256")!))) {
        throw new Refusal(400, "The signature does not match the body and the webhook secret: check WEBHOOK_SECRET against the app's settings.");
      }
      let payload: unknown;
      try {
        payload = JSON.parse(body);
      } catch {
        throw new Refusal(400, "The body is not JSON.");
      }
      const fields = payload as { action?: unknown; repository?: { full_name?: unknown } };
      entry.action = typeof fields?.action === "string" ? fields.action : null;
      entry.repository = typeof fields?.repository?.full_name === "string" ? fields.repository.full_name : null;
      const triage = options.triage(event!, payload);
      if ("invalid" in triage) throw new Refusal(400, triage.invalid);
      if (!triage.work) return answer(200, `ignored: ${triage.reason}`, { ignored: triage.reason });
      let added: string;
      try {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`not queued within ${options.queueTimeoutMs ?? 5000} ms`)), options.queueTimeoutMs ?? 5000);
        });
        try {
          added = await Promise.race([options.queue.add({ id: delivery!, name: event!, payload, key: triage.key, receivedAt: Date.now() }), timeout]);
        } finally {
          clearTimeout(timer);
        }
      } catch (error) {
        // Not queued, so not done: a failed delivery is what lets someone redeliver it.
        return answer(503, `queue unavailable: ${(error as Error).message}`, { error: "The work queue is unavailable; redeliver this delivery once it is back." });
      }
      return answer(202, added, { [added]: delivery });
    } catch (error) {
      if (error instanceof Refusal) return answer(error.status, `refused: ${error.message}`, { error: error.message }, error.status === 413);
      return answer(500, `error: ${(error as Error).message}`, { error: "Internal error." });
    }
  };
}
