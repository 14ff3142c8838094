import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../emulator/index.js";
import { eventPermissions, manifestRefusal, readManifest } from "../emulator/permissions.js";
import { projectRoot } from "../emulator/root.js";

/** A JWT the emulator takes for app 1 (it checks the signature only when given the app's key). */
function appJwt(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "RS256", typ: "JWT" })}.${part({ iss: 1, iat: Math.floor(Date.now() / 1000) - 30, exp: Math.floor(Date.now() / 1000) + 300 })}.c2ln`;
}

describe("the emulator grants an installation token exactly app.yml's permissions, as GitHub does", () => {
  let emulator: Emulator;
  let narrow: Emulator;
  const tokenOf = async (e: Emulator) => {
    const response = await fetch(`${e.apiUrl}/app/installations/1/access_tokens`, { method: "POST", headers: { authorization: `Bearer ${appJwt()}` } });
    return (await response.json()) as { token: string; permissions: Record<string, string> };
  };
  const call = async (e: Emulator, token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${e.apiUrl}${path}`, { method, headers: { authorization: `token ${token}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, json: (await response.json().catch(() => null)) as any };
  };

  beforeAll(async () => {
    emulator = await startEmulator({ webhookSecret: "s", appId: 1 });
    // An app that asked only for metadata and checks.
    narrow = await startEmulator({ webhookSecret: "s", appId: 1, permissions: { metadata: "read", checks: "write" } });
    for (const e of [emulator, narrow]) {
      e.scenario.createRepo("acme/private-app");
      e.scenario.createRepo("acme/public-app", { private: false });
      e.scenario.push("acme/private-app", { message: "first", author: "alice" });
      e.scenario.push("acme/public-app", { message: "first", author: "alice" });
    }
  });
  afterAll(async () => {
    await emulator.close();
    await narrow.close();
  });

  it("hands out tokens that carry app.yml's default_permissions", async () => {
    expect((await tokenOf(emulator)).permissions).toEqual(readManifest().default_permissions);
  });

  it("refuses reads on a private repository without the permission, with GitHub's 403, and allows them on a public one", async () => {
    const { token } = await tokenOf(narrow);
    const denied = await call(narrow, token, "GET", "/repos/acme/private-app/deployments");
    expect(denied).toMatchObject({ status: 403, json: { message: "Resource not accessible by integration" } });
    expect(narrow.requests.at(-1)!.forbidden).toBe("GET /repos/{owner}/{repo}/deployments needs deployments: read");
    const pub = await call(narrow, token, "GET", "/repos/acme/public-app/deployments");
    expect(pub.status).toBe(200);
    // What the token holds works on both.
    expect((await call(narrow, token, "GET", "/repos/acme/private-app")).status).toBe(200);
  });

  it("refuses writes without the permission on every repository, public ones included", async () => {
    const { token } = await tokenOf(narrow);
    const sha = narrow.scenario.head("acme/public-app");
    const write = await call(narrow, token, "POST", "/repos/acme/public-app/deployments", { ref: sha, environment: "staging", auto_merge: false, required_contexts: [] });
    expect(write.status).toBe(403);
    expect(narrow.requests.at(-1)!.forbidden).toBe("POST /repos/{owner}/{repo}/deployments needs deployments: write");
    expect((await call(narrow, token, "POST", "/repos/acme/public-app/check-runs", { name: "x", head_sha: sha, conclusion: "success" })).status).toBe(201);
  });

  it("accepts a comment on either of the permissions GitHub lists for it (issues or pull_requests write)", async () => {
    const { token } = await tokenOf(emulator);
    const pr = emulator.scenario.openPullRequest("acme/private-app", { branch: "feature", title: "t", author: "alice" });
    expect((await call(emulator, token, "POST", `/repos/acme/private-app/issues/${pr.number}/comments`, { body: "hi" })).status).toBe(201);
  });

  it("refuses a route whose permission it does not know, naming the route", async () => {
    const { token } = await tokenOf(emulator);
    const unknown = await call(emulator, token, "GET", "/repos/acme/private-app/branches");
    expect(unknown.status).toBe(403);
    expect(emulator.requests.at(-1)!.forbidden).toBe("no permission is known for GET /repos/acme/private-app/branches: add it to test/emulator/route-permissions.ts from GitHub's docs");
  });

  it("answers a GraphQL field the token cannot read with FORBIDDEN, as GitHub does", async () => {
    const { token } = await tokenOf(narrow);
    const query = "query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { name deployments(first: 1) { nodes { id } } } }";
    const ask = async (name: string) => {
      const response = await fetch(`http://${narrow.host}/api/graphql`, { method: "POST", headers: { authorization: `token ${token}`, "content-type": "application/json" }, body: JSON.stringify({ query, variables: { owner: "acme", name } }) });
      return (await response.json()) as any;
    };
    const denied = await ask("private-app");
    expect(denied.errors).toEqual([{ type: "FORBIDDEN", path: ["repository", "deployments"], message: "Resource not accessible by integration" }]);
    expect(narrow.requests.at(-1)!.forbidden).toBe("Repository.deployments needs deployments: read");
    expect((await ask("public-app")).errors).toBeUndefined();
  });
});

describe("registering the app: GitHub refuses a manifest whose events its permissions do not allow", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ webhookSecret: "s", appId: 1 });
  });
  afterAll(() => emulator.close());

  /** The manifest `npm run setup` sends: built by Probot's own code from app.yml. */
  async function setupManifest(): Promise<Record<string, any>> {
    const probotLib = join(createRequire(import.meta.url).resolve("probot"), "..");
    const { ManifestCreation } = (await import(join(probotLib, "manifest-creation.js"))) as { ManifestCreation: new () => { getManifest(o: object): string } };
    const manifest = new ManifestCreation().getManifest({ pkg: { name: "shipline" }, baseUrl: "http://127.0.0.1:3000", readFileSync: () => readFileSync(join(projectRoot(), "app.yml"), "utf8") });
    return JSON.parse(manifest);
  }
  const submit = (manifest: object) =>
    fetch(`http://${emulator.host}/settings/apps/new`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ manifest: JSON.stringify(manifest) }) });

  it("registers app.yml's manifest and converts its code into the app's credentials", async () => {
    const manifest = await setupManifest();
    expect(manifest.default_events).toContain("issue_comment");
    const form = await submit(manifest);
    expect(form.status).toBe(302);
    const code = new URL(form.headers.get("location")!).searchParams.get("code");
    const conversion = await fetch(`${emulator.apiUrl}/app-manifests/${code}/conversions`, { method: "POST" });
    expect(conversion.status).toBe(201);
    expect(((await conversion.json()) as any).permissions).toEqual(manifest.default_permissions);
  });

  it("records the app's OAuth client id and secret beside its other settings (the dashboard's sign-in needs them)", async () => {
    const form = await submit(await setupManifest());
    const code = new URL(form.headers.get("location")!).searchParams.get("code")!;
    const probotLib = join(createRequire(import.meta.url).resolve("probot"), "..");
    const { ManifestCreation } = (await import(join(probotLib, "manifest-creation.js"))) as { ManifestCreation: new (o: { updateEnv: (env: Record<string, string>) => void }) => { createAppFromCode(code: string, options: object): Promise<string> } };
    const written: Record<string, string> = {};
    const saved = { host: process.env.GHE_HOST, protocol: process.env.GHE_PROTOCOL };
    Object.assign(process.env, { GHE_HOST: emulator.host, GHE_PROTOCOL: "http" });
    try {
      // Probot's own setup code, as `npm run setup` runs it; what it would write to .env is captured.
      await new ManifestCreation({ updateEnv: (env) => Object.assign(written, env) }).createAppFromCode(code, {});
    } finally {
      for (const [key, value] of [["GHE_HOST", saved.host], ["GHE_PROTOCOL", saved.protocol]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    expect(Object.keys(written).sort()).toEqual(["APP_ID", "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET", "PRIVATE_KEY", "WEBHOOK_SECRET"]);
    expect(written.GITHUB_CLIENT_ID).toBe("Iv1.emulator");
  });

  it("refuses issue_comment without the issues permission, with GitHub's message", async () => {
    const manifest = await setupManifest();
    const { issues: _issues, ...permissions } = manifest.default_permissions;
    const form = await submit({ ...manifest, default_permissions: permissions });
    expect(form.status).toBe(422);
    expect(await form.json()).toEqual({ message: "Default events are not supported by permissions: issue_comment" });
  });

  it("knows each event's permission from GitHub's webhook descriptions", () => {
    const rules = eventPermissions();
    expect(rules.get("issue_comment")).toEqual([["issues", "read"]]);
    expect(rules.get("status")).toEqual([["statuses", "read"]]);
    expect(rules.get("push")).toEqual([["contents", "read"]]);
    expect(rules.get("deployment_protection_rule")).toEqual([["deployments", "read"]]);
    expect(manifestRefusal({ default_events: ["status"], default_permissions: { metadata: "read" } })).toBe("Default events are not supported by permissions: status");
    expect(manifestRefusal(readManifest())).toBeNull();
  });
});
