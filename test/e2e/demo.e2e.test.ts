import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url).pathname;

// README's first command is `npm ci && npm run demo`: the demo must tell its story and exit 0.
describe("npm run demo", () => {
  it("plays the story against the emulator and exits 0 with per-step request counts", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["dist/demo.js"], { cwd: root, timeout: 60_000 });
    expect(stdout).toContain("bob merges pull request #1: the merged commit becomes a deployment to staging");
    expect(stdout).toMatch(/deployment \d+: [0-9a-f]{7} to staging by shipline\[bot\], payload \{"shipline":\{"trigger":"merge","actor":"bob","pr":1,"stage":0\}\}; in_progress -> success/);
    expect(stdout).toContain("deployments of");
    expect(stdout).toMatch(/deployments of [0-9a-f]{7}: 1\n/);
    expect(stdout).toContain("failure — .github/shipline.yml is not valid: 3 problems");
    expect(stdout).toMatch(/ +\d+ {2}bob merges pull request #1/);
    expect(stdout).toContain("(`rollback`) carol: Rolling production back to");
    expect(stdout).toContain("Every request was checked against GitHub's OpenAPI description: all accepted.");
  }, 90_000);
});
