import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectContractKept } from "../helpers/loop.js";
import { HOSTILE_TITLE, startDashboardWorld } from "../helpers/dashboard.js";

type World = Awaited<ReturnType<typeof startDashboardWorld>>;

/** A browser's cookie jar, enough for one origin. */
class Jar {
  readonly cookies = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (/max-age=0/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

describe("the dashboard behind Sign in with GitHub (HTTP)", () => {
  let world: World;
  beforeAll(async () => {
    world = await startDashboardWorld();
  }, 90_000);
  afterAll(async () => {
    if (process.env.SHOW_APP_LOGS) console.log(world.app.logs.filter((l) => /dashboard|error/i.test(l)).join("\n"), JSON.stringify(world.emulator.requests.filter((r) => r.status >= 400 || r.rejectedByDescription || r.invalidResponse), null, 1).slice(0, 3000));
    expectContractKept(world.emulator);
    await world?.close();
  });

  const get = (jar: Jar, path: string) => fetch(`${world.base}${path}`, { redirect: "manual", headers: { cookie: jar.header() } }).then((r) => (jar.take(r), r));

  /** The whole web flow, as a browser does it: /login → GitHub's authorize → /login/callback. */
  async function signIn(login: string): Promise<Jar> {
    const jar = new Jar();
    world.emulator.signInAs(login);
    const start = await get(jar, "/login");
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get("location")!);
    expect(authorize.pathname).toBe("/login/oauth/authorize");
    expect(authorize.searchParams.get("client_id")).toBe("Iv1.dashboard");
    const back = await fetch(authorize, { redirect: "manual" });
    expect(back.status).toBe(302);
    const callback = new URL(back.headers.get("location")!);
    const done = await get(jar, `${callback.pathname}${callback.search}`);
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe("/dashboard");
    return jar;
  }

  it("shows nothing without a session: the sign-in page, and a redirect for any other page", async () => {
    const jar = new Jar();
    const home = await get(jar, "/dashboard");
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('<a class="button" href="/login">Sign in with GitHub</a>');
    expect((await get(jar, "/dashboard/acme/shop")).headers.get("location")).toBe("/dashboard");
  });

  it("signs in with a session cookie that is HttpOnly, SameSite=Lax, signed and expiring; the token never reaches the browser", async () => {
    world.emulator.signInAs("alice");
    const jar = new Jar();
    const start = await get(jar, "/login");
    const stateCookie = start.headers.getSetCookie().find((c) => c.startsWith("shipline_oauth_state="))!;
    expect(stateCookie).toMatch(/HttpOnly/);
    const back = await fetch(start.headers.get("location")!, { redirect: "manual" });
    const callback = new URL(back.headers.get("location")!);
    const done = await get(jar, `${callback.pathname}${callback.search}`);
    const session = done.headers.getSetCookie().find((c) => c.startsWith("shipline_session="))!;
    expect(session).toMatch(/; Max-Age=28800; Path=\/; HttpOnly; SameSite=Lax/);
    // What the browser holds is a signed random id, not GitHub's token.
    expect(session).not.toMatch(/ghu_/);
    const page = await (await get(jar, "/dashboard")).text();
    expect(page).not.toMatch(/ghu_/);
    expect(page).toContain("alice");
  });

  it("refuses a callback whose state is not the one this browser was given", async () => {
    world.emulator.signInAs("alice");
    const jar = new Jar();
    const start = await get(jar, "/login");
    const back = await fetch(start.headers.get("location")!, { redirect: "manual" });
    const callback = new URL(back.headers.get("location")!);
    callback.searchParams.set("state", "forged");
    const refused = await get(jar, `${callback.pathname}${callback.search}`);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("state mismatch");
    expect(jar.cookies.has("shipline_session")).toBe(false);
    // And a callback from another browser (no state cookie at all).
    expect((await get(new Jar(), `${callback.pathname}${callback.search}`)).status).toBe(400);
  });

  it("lists only the repositories the user can read, and answers 404 for the others, even by URL", async () => {
    const alice = await signIn("alice");
    const list = await (await get(alice, "/dashboard")).text();
    expect(list).toContain('href="/dashboard/acme/shop"');
    expect(list).not.toContain("acme/vault");
    expect((await get(alice, "/dashboard/acme/vault")).status).toBe(404);
    expect((await get(alice, "/dashboard/acme/vault/env/production")).status).toBe(404);
    const eve = await signIn("eve");
    expect(await (await get(eve, "/dashboard")).text()).toContain("No repository with Shipline installed that you can read.");
    expect((await get(eve, "/dashboard/acme/shop")).status).toBe(404);
    const bob = await signIn("bob");
    expect(await (await get(bob, "/dashboard")).text()).toContain('href="/dashboard/acme/vault"');
  });

  it("shows the pipeline and DORA figures under a strict CSP, every title escaped; ten views cost one set of requests", async () => {
    const alice = await signIn("alice");
    const first = await get(alice, "/dashboard/acme/shop?days=7");
    expect(first.status).toBe(200);
    expect(first.headers.get("content-security-policy")).toBe("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    const html = await first.text();
    expect(html).not.toContain(HOSTILE_TITLE);
    expect(html).not.toMatch(/<script/i);
    // Production: the cart release shipped; the hostile one failed and was rolled back.
    expect(html).toMatch(/<tr><th scope="row">production<\/th><td>1 \(0\.14\/day\)<\/td><td>\d+[sm][^<]*<\/td><td>\d+[sm][^<]*<\/td><td>50% \(1\/2\)<\/td><td>\d+s<\/td><\/tr>/);
    expect(html).toMatch(/<tr><th scope="row">staging<\/th><td>2 \(0\.29\/day\)<\/td>/);
    const cost = Number(first.headers.get("x-github-requests"));
    expect(cost).toBeGreaterThanOrEqual(1);
    let later = 0;
    for (let i = 0; i < 9; i++) later += Number((await get(alice, "/dashboard/acme/shop?days=7")).headers.get("x-github-requests"));
    expect(later).toBe(0);
    // The refresh link reads GitHub again.
    expect(Number((await get(alice, "/dashboard/acme/shop?days=7&refresh=1")).headers.get("x-github-requests"))).toBe(1);
  });

  it("shows an environment's history with triggers and rolled-back marks, and what was live at a time", async () => {
    const alice = await signIn("alice");
    const html = await (await get(alice, "/dashboard/acme/shop/env/production")).text();
    expect(html).toContain("automatic rollback");
    expect(html).toContain("↩️ rolled back");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    const deployments = [...world.emulator.scenario.repo("acme/shop").deployments.values()].filter((d) => d.environment === "production");
    const good = deployments.find((d) => d.task === "deploy" && d.statuses[0]?.state === "success")!;
    const at = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const live = await (await get(alice, `/dashboard/acme/shop/env/production?at=${encodeURIComponent(at)}`)).text();
    // Now, production runs the cart release again: through the rollback, the last to succeed.
    expect(live).toMatch(new RegExp(`Live at ${at}: <code>${good.sha.slice(0, 7)}</code>`));
  });

  it("signs out only by a POST with the session's CSRF token", async () => {
    const alice = await signIn("alice");
    const page = await (await get(alice, "/dashboard")).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    expect((await fetch(`${world.base}/logout`, { redirect: "manual", headers: { cookie: alice.header() } })).status).toBe(405);
    const forged = await fetch(`${world.base}/logout`, { method: "POST", redirect: "manual", headers: { cookie: alice.header(), "content-type": "application/x-www-form-urlencoded" }, body: "csrf=forged" });
    expect(forged.status).toBe(403);
    const out = await fetch(`${world.base}/logout`, { method: "POST", redirect: "manual", headers: { cookie: alice.header(), "content-type": "application/x-www-form-urlencoded" }, body: `csrf=${encodeURIComponent(csrf)}` });
    expect(out.status).toBe(303);
    // The old cookie, replayed, no longer opens anything.
    expect((await fetch(`${world.base}/dashboard/acme/shop`, { redirect: "manual", headers: { cookie: alice.header() } })).status).toBe(302);
  });
});
