import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../emulator/index.js";

const SECRET = "emulator-secret";

describe("the emulator follows GitHub's rules", () => {
  let emulator: Emulator;
  let token: string;
  let receiver: Server;
  const received: Array<{ headers: Record<string, unknown>; body: string }> = [];

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${emulator.apiUrl}${path}`, {
      method,
      headers: { authorization: `token ${token}`, "content-type": "application/json", accept: "application/vnd.github+json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json().catch(() => null)) as any };
  };

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        // Deliveries are POSTs; settled() also asks GET /healthz of whatever receives them.
        if (req.method === "POST") received.push({ headers: req.headers, body });
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    emulator = await startEmulator({
      webhookSecret: SECRET,
      appId: 1,
      events: ["push", "deployment_status"],
      webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`,
    });
    token = emulator.workflowToken();
    emulator.scenario.createRepo("o/r");
  });

  afterAll(async () => {
    await emulator.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it("rejects a body the description rejects with 400, and an unknown route with 404", async () => {
    const bad = await api("POST", "/repos/o/r/deployments", { reff: "main" });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain("must have required property 'ref'");
    expect((await api("GET", "/repos/o/r/no-such-thing")).status).toBe(404);
    expect(emulator.requests.at(-1)!.rejectedByDescription).toBe("no such route in GitHub's API");
  });

  it("fails an operation it does not implement, naming it, instead of answering the description's example", async () => {
    const branches = await api("GET", "/repos/o/r/branches");
    expect(branches).toMatchObject({ status: 501, json: { message: "The GitHub emulator does not implement repos/list-branches (GET /repos/o/r/branches): add it to test/emulator." } });
    expect(emulator.requests.at(-1)!.unimplemented).toBe("repos/list-branches");
    emulator.requests.pop();
  });

  it("refuses a deployment with 409 when the commit's checks are not green and required_contexts is left out", async () => {
    const sha = emulator.scenario.push("o/r", { message: "red", author: "alice" }).sha;
    emulator.scenario.check("o/r", sha, "ci/test", "failure");
    const refused = await api("POST", "/repos/o/r/deployments", { ref: sha, environment: "staging", auto_merge: false });
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ message: `Conflict: Commit status checks failed for ${sha}.`, errors: [{ field: "required_contexts", contexts: [{ context: "ci/test", state: "failure" }] }] });
    emulator.requests.pop();
    // `required_contexts: []`, as Shipline sends it: gating is Shipline's job.
    expect((await api("POST", "/repos/o/r/deployments", { ref: sha, environment: "staging", auto_merge: false, required_contexts: [] })).status).toBe(201);
  });

  it("takes a protection rule's review only from the app that is the rule", async () => {
    const repo = emulator.state.repo("o", "r")!;
    const run = { id: emulator.state.id(), head_sha: emulator.scenario.head("o/r"), environment: "production", deploymentId: 0, status: "waiting" as const, conclusion: null, reviews: [], resume: async () => {} };
    repo.workflowRuns.set(run.id, run);
    const review = await api("POST", `/repos/o/r/actions/runs/${run.id}/deployment_protection_rule`, { environment_name: "production", state: "approved", comment: "not mine to say" });
    expect(review.status).toBe(403);
    expect(run.reviews).toEqual([]);
    emulator.requests.pop();
  });

  it("answers 401 for an unknown token, as GitHub does", async () => {
    const response = await fetch(`${emulator.apiUrl}/repos/o/r`, { headers: { authorization: "token nope" } });
    expect(response.status).toBe(401);
  });

  it("marks earlier successful non-production deployments inactive when a newer one succeeds", async () => {
    const first = (await api("POST", "/repos/o/r/deployments", { ref: "main", environment: "staging", auto_merge: false, required_contexts: [] })).json;
    await api("POST", `/repos/o/r/deployments/${first.id}/statuses`, { state: "success" });
    const prod = (await api("POST", "/repos/o/r/deployments", { ref: "main", environment: "production", production_environment: true, auto_merge: false, required_contexts: [] })).json;
    await api("POST", `/repos/o/r/deployments/${prod.id}/statuses`, { state: "success" });
    const second = (await api("POST", "/repos/o/r/deployments", { ref: "main", environment: "staging", auto_merge: false, required_contexts: [] })).json;
    await api("POST", `/repos/o/r/deployments/${second.id}/statuses`, { state: "success" });
    const states = async (id: number) => (await api("GET", `/repos/o/r/deployments/${id}/statuses`)).json.map((s: { state: string }) => s.state);
    expect(await states(first.id)).toEqual(["inactive", "success"]);
    expect(await states(second.id)).toEqual(["success"]);
    expect(await states(prod.id)).toEqual(["success"]);
  });

  it("refuses to create a ref that exists (what makes locks atomic)", async () => {
    const sha = emulator.scenario.head("o/r");
    expect((await api("POST", "/repos/o/r/git/refs", { ref: "refs/shipline/locks/x", sha })).status).toBe(201);
    const again = await api("POST", "/repos/o/r/git/refs", { ref: "refs/shipline/locks/x", sha });
    expect([again.status, again.json.message]).toEqual([422, "Reference already exists"]);
  });

  it("combines commit statuses the way GitHub does", async () => {
    const sha = emulator.scenario.head("o/r");
    await api("POST", `/repos/o/r/statuses/${sha}`, { state: "pending", context: "ci/build" });
    expect((await api("GET", `/repos/o/r/commits/${sha}/status`)).json.state).toBe("pending");
    await api("POST", `/repos/o/r/statuses/${sha}`, { state: "success", context: "ci/build" });
    await api("POST", `/repos/o/r/statuses/${sha}`, { state: "success", context: "ci/lint" });
    expect((await api("GET", `/repos/o/r/commits/${sha}/status`)).json).toMatchObject({ state: "success", total_count: 2 });
    await api("POST", `/repos/o/r/statuses/${sha}`, { state: "error", context: "ci/lint" });
    expect((await api("GET", `/repos/o/r/commits/${sha}/status`)).json.state).toBe("failure");
  });

  it("validates GraphQL against GitHub's schema", async () => {
    const ok = await fetch(`${emulator.apiUrl.replace("/v3", "")}/graphql`, {
      method: "POST",
      headers: { authorization: `token ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ query: '{ repository(owner: "o", name: "r") { defaultBranchRef { name } } }' }),
    });
    expect(await ok.json()).toEqual({ data: { repository: { defaultBranchRef: { name: "main" } } } });
    const wrong = await fetch(`${emulator.apiUrl.replace("/v3", "")}/graphql`, {
      method: "POST",
      headers: { authorization: `token ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ query: '{ repository(owner: "o", name: "r") { noSuchField } }' }),
    });
    expect(JSON.stringify(await wrong.json())).toContain('Cannot query field \\"noSuchField\\" on type \\"Repository\\"');
    expect(emulator.requests.at(-1)!.rejectedByDescription).toContain("noSuchField");
  });

  it("delivers subscribed events signed with the secret, and skips the others", async () => {
    received.length = 0;
    emulator.scenario.push("o/r", { message: "change", author: "octocat" });
    emulator.scenario.openPullRequest("o/r", { branch: "b", title: "t", author: "octocat" });
    await emulator.settled();
    const events = received.map((r) => r.headers["x-github-event"]);
    expect(events).toEqual(["push", "push"]);
    for (const r of received) {
      expect(r.headers["x-hub-signature-256"]).toBe(`sha256=${createHmac("sha256", SECRET).update(r.body).digest("hex")}`);
      expect(r.headers["x-github-delivery"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(JSON.parse(r.body).installation).toMatchObject({ id: 1 });
    }
    expect(emulator.deliveries.find((d) => d.event === "pull_request")).toMatchObject({ skipped: true });
  });

  it("models GitHub's plans: no custom protection rule on a private repository outside Enterprise", () => {
    emulator.scenario.createRepo("o/free-private");
    expect(() => emulator.scenario.protectEnvironment("o/free-private", "production")).toThrow("o/free-private is private on the free plan: GitHub offers custom deployment protection rules on private repositories only with GitHub Enterprise");
    emulator.scenario.createRepo("o/free-public", { private: false });
    emulator.scenario.protectEnvironment("o/free-public", "production");
    emulator.scenario.createRepo("o/enterprise-private", { plan: "enterprise" });
    emulator.scenario.protectEnvironment("o/enterprise-private", "production");
    expect([...emulator.scenario.repo("o/free-public").protectedEnvironments, ...emulator.scenario.repo("o/enterprise-private").protectedEnvironments]).toEqual(["production", "production"]);
  });
});
