import { beforeEach, describe, expect, it } from "vitest";
import { examplesOf, withInstallation } from "./helpers/examples.js";
import { deploymentNode, factsData } from "./helpers/facts.js";
import { github, mockInstallationToken, resetRequests, testProbot, type SeenRequest } from "./helpers/probot.js";

const CONFIG = "stages:\n  - environment: staging\n    auto: true\n    auto_rollback: true\n  - environment: production\n    auto: true\n    production: true\n";
const GOOD = "a".repeat(40);

/** A real deployment_status.created example, for a deployment Shipline made (or not). */
function statusEvent(state: string, deployment: { environment: string; task?: string; shipline?: Record<string, unknown> | null }) {
  const example = withInstallation(examplesOf("deployment_status")[0]!);
  example.deployment_status.state = state;
  example.deployment.environment = deployment.environment;
  example.deployment.task = deployment.task ?? "deploy";
  example.deployment.payload = deployment.shipline === null ? {} : { shipline: { actor: "bob", pr: 7, stage: 0, ...deployment.shipline } };
  return example;
}

const EXAMPLE = examplesOf("deployment_status")[0]!;
const REPO = `/repos/${EXAMPLE.repository.full_name}`;
const SHA = EXAMPLE.deployment.sha as string;
const ID = EXAMPLE.deployment.id as number;

describe("following deployments (app/lifecycle.ts)", () => {
  let seen: SeenRequest[];
  beforeEach(() => {
    seen = resetRequests();
  });
  const receive = (payload: unknown) => testProbot().receive({ id: "s1", name: "deployment_status", payload: payload as any });
  const config = () =>
    github()
      .get(`${REPO}/contents/.github%2Fshipline.yml`)
      .query({ ref: EXAMPLE.repository.default_branch })
      .reply(200, CONFIG, { "content-type": "application/vnd.github.raw; charset=utf-8" });
  const facts = (extra: Parameters<typeof factsData>[0] = {}) => {
    mockInstallationToken();
    config();
    github().post("/graphql").reply(200, { data: factsData({ config: CONFIG, ...extra }) });
  };

  it("ignores every real deployment_status example (not Shipline's deployments) with zero requests", async () => {
    for (const example of examplesOf("deployment_status")) await receive(withInstallation(example));
    expect(seen).toEqual([]);
  });

  it("ignores statuses that are not final with zero requests", async () => {
    for (const state of ["queued", "in_progress", "pending", "inactive"]) await receive(statusEvent(state, { environment: "staging" }));
    expect(seen).toEqual([]);
  });

  it("promotes a success to the next automatic stage, once, marked with the status it follows", async () => {
    facts();
    github().post(`${REPO}/deployments`).reply(201, { id: 900, sha: SHA, environment: "production", task: "deploy", payload: {} });
    await receive(statusEvent("success", { environment: "staging" }));
    expect(seen.at(-1)!.body).toMatchObject({
      ref: SHA,
      task: "deploy",
      environment: "production",
      production_environment: true,
      auto_merge: false,
      payload: { shipline: { trigger: "promotion", actor: "bob", pr: 7, stage: 1, source: `status:${ID}` } },
    });
  });

  it("does not promote twice when the status is delivered again", async () => {
    facts({ deployments: [deploymentNode({ id: 900, sha: SHA, environment: "production", state: "QUEUED", shipline: { source: `status:${ID}` } })] });
    await receive(statusEvent("success", { environment: "staging" }));
    expect(seen.some((r) => r.method === "POST" && r.path.endsWith("/deployments"))).toBe(false);
  });

  it("does not promote into a stage locked by someone else", async () => {
    facts({ locks: [{ environment: "production", holder: "carol" }] });
    await receive(statusEvent("success", { environment: "staging" }));
    expect(seen.some((r) => r.path.endsWith("/deployments"))).toBe(false);
  });

  it("rolls back a failed deployment to the last good version, once", async () => {
    facts({ deployments: [deploymentNode({ id: 10, sha: GOOD, environment: "staging", statuses: ["SUCCESS", "INACTIVE"], state: "INACTIVE" })] });
    github().post(`${REPO}/deployments`).reply(201, { id: 901, sha: GOOD, environment: "staging", task: "deploy:rollback", payload: {} });
    await receive(statusEvent("failure", { environment: "staging" }));
    expect(seen.at(-1)!.body).toMatchObject({
      ref: GOOD,
      task: "deploy:rollback",
      environment: "staging",
      payload: { shipline: { trigger: "auto_rollback", replaces: SHA, replaces_deployment: ID, source: `status:${ID}` } },
    });
  });

  it("never rolls back a rollback (no loop), and rolls back nothing when nothing was good before", async () => {
    // A failed rollback: the config alone settles it, no facts are fetched.
    mockInstallationToken();
    config();
    await receive(statusEvent("failure", { environment: "staging", task: "deploy:rollback" }));
    facts();
    await receive(statusEvent("error", { environment: "staging" }));
    expect(seen.some((r) => r.path.endsWith("/deployments"))).toBe(false);
  });

  it("does not roll back where auto_rollback is off, and reads nothing but the config", async () => {
    mockInstallationToken();
    config();
    await receive(statusEvent("failure", { environment: "production" }));
    expect(seen.map((r) => r.method + " " + r.path.split("?")[0])).toEqual(["POST /app/installations/1/access_tokens", `GET ${REPO}/contents/.github/shipline.yml`]);
  });
});
