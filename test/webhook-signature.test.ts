import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";
import { createNodeMiddleware } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import shipline from "../app/index.js";
import { examplesOf, withInstallation } from "./helpers/examples.js";
import { github, resetRequests, WEBHOOK_SECRET, testProbot } from "./helpers/probot.js";

const body = JSON.stringify(withInstallation(examplesOf("push").find((p) => p.ref === "refs/heads/master")!));
const sign = (secret: string, payload = body) => `sha256=${createHmac("sha256", secret).update(payload).digest("hex")}`;

describe("webhook signatures (X-Hub-Signature-256)", () => {
  let server: Server;
  let url: string;
  const attempts: string[] = [];
  beforeAll(async () => {
    const middleware = await createNodeMiddleware(shipline, { probot: testProbot() });
    server = createServer(middleware);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
    // Any request to GitHub would mean the handler ran.
    // (Our own loopback deliveries pass through nock too; they are not calls to GitHub.)
    nock.emitter.on("no match", (req: { path?: string }) => {
      if (!String(req.path).startsWith("/api/github/webhooks")) attempts.push(String(req.path));
    });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const deliver = (signature: string | undefined) =>
    fetch(url, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-github-event": "push",
        "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        ...(signature === undefined ? {} : { "x-hub-signature-256": signature }),
      },
    });

  it.each([
    ["signed with the wrong secret", sign("not-the-secret")],
    ["truncated", sign(WEBHOOK_SECRET).slice(0, 40)],
    ["for another body", sign(WEBHOOK_SECRET, `${body} `)],
    ["missing", undefined],
  ])("rejects a delivery whose signature is %s, before any handler runs", async (_name, signature) => {
    const response = await deliver(signature);
    expect(response.status).toBe(400);
    expect(attempts).toEqual([]);
  });

  it("accepts a correctly signed delivery and runs the handler", async () => {
    const seen = resetRequests();
    // The handler runs and authenticates as the installation; GitHub refuses the token here.
    github().post("/app/installations/1/access_tokens").reply(401, { message: "Bad credentials" });
    const response = await deliver(sign(WEBHOOK_SECRET));
    // Not the signature's 400: the handler's own failure, passed on by Probot.
    expect(response.status).toBe(401);
    expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /app/installations/1/access_tokens"]);
  });
});
