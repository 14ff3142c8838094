import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../emulator/root.js";
import { expectContractKept } from "../helpers/loop.js";
import { HOSTILE_TITLE, startDashboardWorld } from "../helpers/dashboard.js";
import { formatMs } from "../../shared/dashboard/pages.js";

/**
 * Debian's Chromium (`.ci/run` installs the `chromium` package), driven by playwright-core:
 * never a browser downloaded by a test tool. Headless, no sandbox (CI runs as root), and none
 * of Chromium's background connections (this machine's network is closed).
 */
export const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps"];
const SHOTS = join(projectRoot(), "test", "screenshots");

describe("the dashboard in a real browser (Debian's Chromium)", () => {
  let world: Awaited<ReturnType<typeof startDashboardWorld>>;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [world, browser] = await Promise.all([startDashboardWorld(), chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS })]);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    expectContractKept(world.emulator);
    await world?.close();
  });

  it("signs in, shows the pipeline, an environment's history and DORA figures; a hostile title stays text", async () => {
    world.emulator.signInAs("alice");
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    // The CSP blocks any script; a violation would be reported here.
    const violations: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });

    await page.goto(`${world.base}/dashboard`);
    await page.getByRole("link", { name: "Sign in with GitHub" }).click();
    await page.waitForURL(`${world.base}/dashboard`);
    await expect.poll(() => page.getByRole("link", { name: "acme/shop" }).count()).toBe(1);
    expect(await page.getByText("acme/vault").count()).toBe(0);

    await page.getByRole("link", { name: "acme/shop" }).click();
    await page.getByRole("link", { name: "7 days" }).click();
    // The figures computed by hand from what GitHub (the emulator) recorded for this history:
    // one release shipped (lead time: its pull request's first commit to its success), one failed
    // and was rolled back automatically (restored when the rollback succeeded).
    const repo = world.emulator.scenario.repo("acme/shop");
    const production = [...repo.deployments.values()].filter((d) => d.environment === "production").sort((a, b) => a.id - b.id);
    const shipped = production.find((d) => d.task === "deploy" && d.statuses.some((s) => s.state === "success"))!;
    const failed = production.find((d) => d.statuses.some((s) => s.state === "failure"))!;
    const rollback = production.find((d) => d.task === "deploy:rollback")!;
    const at = (d: typeof shipped, state: string) => Date.parse(d.statuses.find((s) => s.state === state)!.created_at);
    const firstCommit = Date.parse(repo.commits.get([...repo.pulls.values()].find((p) => p.title === "feat: a shopping cart")!.head.sha)!.date);
    const lead = formatMs(at(shipped, "success") - firstCommit);
    const restore = formatMs(at(rollback, "success") - at(failed, "failure"));
    const row = page.locator("table.dora tr", { hasText: "production" });
    expect(await row.locator("td").allInnerTexts()).toEqual(["1 (0.14/day)", lead, lead, "50% (1/2)", restore]);
    expect(await page.locator(".stage h2").allInnerTexts()).toEqual(["staging", "production production"]);
    await page.screenshot({ path: join(SHOTS, "dashboard-pipeline.png"), fullPage: true });

    await page.getByRole("link", { name: "production", exact: true }).click();
    await expect.poll(() => page.locator("table.history tbody tr").count()).toBeGreaterThanOrEqual(3);
    // The hostile title is shown as the text it is: no element made of it, no script run.
    expect(await page.getByText(HOSTILE_TITLE, { exact: true }).count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.getByText("automatic rollback").count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, "dashboard-history.png"), fullPage: true });
    expect(dialogs).toEqual([]);
    expect(violations).toEqual([]);
    await page.close();
  }, 60_000);

  it("shows nothing of a repository to a user who cannot read it, not even by its URL", async () => {
    world.emulator.signInAs("eve");
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${world.base}/login`);
    await page.waitForURL(`${world.base}/dashboard`);
    expect(await page.getByText("No repository with Shipline installed that you can read.").count()).toBe(1);
    const response = await page.goto(`${world.base}/dashboard/acme/shop`);
    expect(response?.status()).toBe(404);
    expect(await page.content()).not.toContain("shopping cart");
    await context.close();
  }, 30_000);
});
