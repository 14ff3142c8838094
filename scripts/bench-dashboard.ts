// The dashboard's cost to GitHub per page view: read from the `x-github-requests` header the
// site sets (requests with the user's token and the installation's, the token itself aside).
import { signInCookies, startDashboardWorld } from "../test/helpers/dashboard.js";

export async function dashboardFigures(record: (what: string, figure: string, target: string) => void): Promise<void> {
  const world = await startDashboardWorld();
  try {
    world.emulator.signInAs("alice");
    const cookie = await signInCookies(world.base);
    const view = async (path: string) => {
      const started = performance.now();
      const response = await fetch(`${world.base}${path}`, { headers: { cookie } });
      await response.text();
      return { requests: Number(response.headers.get("x-github-requests")), ms: performance.now() - started };
    };
    const first = await view("/dashboard/acme/shop?days=30");
    record("dashboard: first view of a repository (access + 1 insight query)", String(first.requests), "few (GraphQL, 100 deployments a page)");
    let later = 0;
    const times: number[] = [];
    for (let i = 0; i < 9; i++) {
      const v = await view("/dashboard/acme/shop?days=30");
      later += v.requests;
      times.push(v.ms);
    }
    record("dashboard: the next 9 views (cached 60 s)", String(later), "0");
    record("dashboard: a cached view, median", `${times.sort((a, b) => a - b)[4]!.toFixed(1)} ms`, "—");
    record("dashboard: environment history (same cache)", String((await view("/dashboard/acme/shop/env/production")).requests), "0");
    record("dashboard: refresh link", String((await view("/dashboard/acme/shop?days=30&refresh=1")).requests), "1");
  } finally {
    await world.close();
  }
}
