import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import type { Shapes } from "./shapes.js";
import type { Account, PullRequest, Repository } from "./state.js";

export interface Delivery {
  id: string;
  event: string;
  action: string | undefined;
  payload: Record<string, unknown>;
  /** The app's HTTP answer; 0 when it could not be reached. */
  status: number;
  /** Each replica's answer, when the delivery went to several at once. */
  statuses?: number[];
  /** Set when the delivery was not sent because the app does not subscribe to the event. */
  skipped?: boolean;
}

export interface WebhookOptions {
  url: string | undefined;
  secret: string;
  appId: number;
  installationId: number;
  /** Events the app subscribes to (its manifest's `default_events`); GitHub sends no others. */
  events: ReadonlySet<string>;
}

/**
 * Delivers webhooks one at a time, in the order the state changed, signed exactly as
 * GitHub signs them. `settled()` waits until the app has answered every delivery,
 * including those caused by the app's own requests while handling earlier ones.
 */
/** A workflow triggered by an event (`on: deployment`), as GitHub Actions runs it. */
export type Workflow = (payload: Record<string, any>) => Promise<void>;

export class WebhookDeliverer {
  readonly deliveries: Delivery[] = [];
  private tail: Promise<void> = Promise.resolve();
  private readonly workflows = new Map<string, Workflow[]>();

  constructor(
    private readonly options: WebhookOptions,
    private readonly shapes: Shapes,
  ) {}

  set url(url: string | undefined) {
    this.options.url = url;
    this.targets = url ? [url] : [];
  }

  /**
   * Where deliveries go. Several URLs: each delivery reaches every one at the same instant,
   * as a load balancer that retried, or GitHub delivering twice, would make it land on
   * several replicas.
   */
  targets: string[] = [];

  /** The `issue` object of an `issue_comment` on a pull request (it carries `pull_request`). */
  issueOf(repo: Repository, pr: PullRequest): Record<string, unknown> {
    const pull = this.shapes.pull(repo, pr);
    return {
      url: pull.issue_url,
      html_url: pull.html_url,
      id: pull.id,
      node_id: pull.node_id,
      number: pr.number,
      title: pr.title,
      user: this.shapes.user(pr.user),
      labels: pull.labels,
      state: pr.state,
      locked: false,
      assignee: null,
      assignees: [],
      milestone: null,
      comments: 0,
      created_at: pr.created_at,
      updated_at: pr.updated_at,
      closed_at: pr.closed_at,
      author_association: "OWNER",
      body: pr.body,
      pull_request: { url: pull.url, html_url: pull.html_url, diff_url: pull.diff_url, patch_url: pull.patch_url, merged_at: pr.merged_at },
    };
  }

  send(name: string, repo: Repository, fields: Record<string, unknown>, sender: Account): Delivery {
    const [event = name, action] = name.split(".");
    const payload = {
      ...(action ? { action } : {}),
      ...fields,
      repository: this.shapes.repository(repo),
      sender: this.shapes.user(sender),
      installation: { id: this.options.installationId, node_id: Buffer.from(`Installation${this.options.installationId}`).toString("base64") },
    };
    const delivery: Delivery = { id: randomUUID(), event, action, payload, status: 0 };
    this.deliveries.push(delivery);

    if (this.options.events.has(event)) this.enqueue(delivery);
    else delivery.skipped = true;
    // Workflows see repository events whatever the app subscribes to; they run after
    // earlier deliveries, like a runner picking up a queued job.
    for (const workflow of this.workflows.get(event) ?? []) {
      this.tail = this.tail.then(() => workflow(payload).catch((error) => console.error(`workflow on ${event} failed:`, error)));
    }
    return delivery;
  }

  /** Runs work in the delivery order (a resumed workflow run), so `settled()` waits for it. */
  schedule(work: () => Promise<void>): void {
    this.tail = this.tail.then(() => work().catch((error) => console.error("scheduled work failed:", error)));
  }

  /** Runs `workflow` for every `event` from now on (an `on: <event>` workflow file). */
  onEvent(event: string, workflow: Workflow): void {
    this.workflows.set(event, [...(this.workflows.get(event) ?? []), workflow]);
  }

  /** GitHub's "Redeliver": the same delivery id and the same body. */
  redeliver(id: string): Delivery {
    const original = this.deliveries.find((d) => d.id === id);
    if (!original) throw new Error(`no delivery ${id}`);
    const again: Delivery = { ...original, status: 0 };
    this.deliveries.push(again);
    this.enqueue(again);
    return again;
  }

  /** The same event again under a new delivery GUID: what a second, identical event looks like. */
  resendAsNew(id: string): Delivery {
    const original = this.deliveries.find((d) => d.id === id);
    if (!original) throw new Error(`no delivery ${id}`);
    const again: Delivery = { ...original, id: randomUUID(), status: 0 };
    delete again.statuses;
    this.deliveries.push(again);
    this.enqueue(again);
    return again;
  }

  private enqueue(delivery: Delivery): void {
    this.tail = this.tail.then(() => this.post(delivery));
  }

  private get urls(): string[] {
    return this.targets.length > 0 ? this.targets : this.options.url ? [this.options.url] : [];
  }

  private async post(delivery: Delivery): Promise<void> {
    if (this.urls.length === 0) return;
    const body = JSON.stringify(delivery.payload);
    const headers = {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/emulator",
      "x-github-event": delivery.event,
      "x-github-delivery": delivery.id,
      "x-hub-signature-256": await sign(this.options.secret, body),
      "x-github-hook-id": "1",
      "x-github-hook-installation-target-type": "integration",
      "x-github-hook-installation-target-id": String(this.options.appId),
    };
    const statuses = await Promise.all(this.urls.map((url) => this.postOnce(url, body, headers)));
    delivery.status = statuses[0]!;
    if (statuses.length > 1) delivery.statuses = statuses;
  }

  private async postOnce(url: string, body: string, headers: Record<string, string>): Promise<number> {
    try {
      const response = await fetch(url, {
        method: "POST",
        body,
        headers,
        // GitHub gives up on a delivery after 10 seconds.
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return 0;
    }
  }

  /** Resolves when every delivery so far, and every one they caused, has been answered. */
  async settled(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.tail;
      await seen;
      // Let the app's in-flight requests land before looking for new deliveries.
      await new Promise((resolve) => setTimeout(resolve, 5));
      // The app answers once a delivery is queued: wait until its queue has done the work too.
      while (seen === this.tail && (await this.appsBusy())) await new Promise((resolve) => setTimeout(resolve, 10));
    } while (seen !== this.tail);
  }

  /** Whether any app behind the targets still has queued or running work (its /healthz counts). */
  private async appsBusy(): Promise<boolean> {
    const busy = await Promise.all(
      this.urls.map(async (url) => {
        try {
          const response = await fetch(new URL("/healthz", url), { signal: AbortSignal.timeout(2000) });
          if (!response.ok) return false;
          const { counts } = (await response.json()) as { counts?: { waiting: number; active: number; delayed: number } | null };
          return !!counts && counts.waiting + counts.active + counts.delayed > 0;
        } catch {
          return false;
        }
      }),
    );
    return busy.some(Boolean);
  }
}
