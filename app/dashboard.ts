import { createHmac } from "node:crypto";
import { exchangeWebFlowCode, getWebFlowAuthorizationUrl } from "@octokit/oauth-methods";
import { request } from "@octokit/request";
import { Redis } from "ioredis";
import type { Probot } from "probot";
import { INSIGHT_QUERY } from "../shared/insight/deployments.js";
import { createSite } from "../shared/dashboard/site.js";
import { MemoryStore, RedisStore } from "../shared/dashboard/store.js";

/**
 * The dashboard behind "Sign in with GitHub", when the app's OAuth credentials are set
 * (`GITHUB_CLIENT_ID`, `GITHUB_CLIENT_SECRET`: `npm run setup` records them). Null otherwise.
 */
export function dashboardFromEnv(probot: Probot, env: NodeJS.ProcessEnv) {
  const clientId = env.GITHUB_CLIENT_ID;
  const clientSecret = env.GITHUB_CLIENT_SECRET;
  if (!clientId || !clientSecret) return null;
  const api = env.GHE_HOST ? `${env.GHE_PROTOCOL || "https"}://${env.GHE_HOST}/api/v3` : "https://api.github.com";
  const github = request.defaults({ baseUrl: api, headers: { "user-agent": "shipline-dashboard" } });
  const as = (token: string) => ({ headers: { authorization: `token ${token}` } });
  // A secret of its own is best (SESSION_SECRET); else one derived from the webhook secret, never equal to it.
  const secret = env.SESSION_SECRET || createHmac("sha256", env.WEBHOOK_SECRET ?? "").update("shipline dashboard sessions").digest("base64url");
  const store = env.REDIS_URL ? new RedisStore(new Redis(env.REDIS_URL, { maxRetriesPerRequest: 2 })) : new MemoryStore();
  return createSite({
    appId: Number(env.APP_ID),
    secret,
    store,
    publicUrl: env.SHIPLINE_URL || null,
    github: {
      authorizeUrl: (state, redirectUrl) => getWebFlowAuthorizationUrl({ clientType: "github-app", clientId, redirectUrl, state, request: github }).url,
      exchangeCode: async (code, redirectUrl) => (await exchangeWebFlowCode({ clientType: "github-app", clientId, clientSecret, code, redirectUrl, request: github })).authentication.token,
      user: async (token) => (await github("GET /user", as(token))).data,
      userInstallations: async (token) => (await github("GET /user/installations", { per_page: 100, ...as(token) })).data.installations,
      installationRepositories: async (token, installationId) => (await github("GET /user/installations/{installation_id}/repositories", { installation_id: installationId, per_page: 100, ...as(token) })).data.repositories,
      insight: async (installationId, owner, repo, before) => {
        const octokit = await probot.auth(installationId);
        return octokit.graphql(INSIGHT_QUERY, { owner, repo, before });
      },
    },
  });
}
