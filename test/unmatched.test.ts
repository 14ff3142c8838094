import { describe, expect, it } from "vitest";
import { GitHubGateway } from "../shared/github/gateway.js";
import { ProbotOctokit } from "probot";
import { github } from "./helpers/probot.js";
import { takeUnmatched } from "./helpers/unmatched.js";

describe("the test setup's guard on unexpected requests", () => {
  it("records a request no mock answers even when the code swallows the error", async () => {
    github().get("/repos/o/r/deployments").query(true).reply(200, []);
    const gateway = new GitHubGateway(new ProbotOctokit({ auth: "t", retry: { enabled: false }, throttle: { enabled: false } }) as never, { owner: "o", repo: "r" });
    await gateway.lastSuccessfulSha("production", 0).catch(() => undefined);
    // Not mocked: the releases list. The error is swallowed here, as the app swallows release-notes errors.
    await gateway.listReleases().catch(() => undefined);
    expect(takeUnmatched()).toEqual(["GET api.github.com:443/repos/o/r/releases?per_page=100"]);
  });
});
