import * as z from "zod/mini";
import { duration, flag, httpUrl, wholeNumber } from "../inputs.js";

/** The deploy action's inputs; action.yml declares exactly these, with the same defaults (a test checks it). */
export const deployInputs = z.object({
  token: z.string({ error: "a token (the default `${{ github.token }}` needs `deployments: write`)" }),
  "deployment-id": z.optional(wholeNumber),
  command: z.string({ error: "the command that deploys (run by bash, as you wrote it)" }),
  "rollback-command": z.optional(z.string()),
  "health-url": z.optional(httpUrl),
  "version-url": z.optional(httpUrl),
  "version-field": z.optional(z.string().check(z.regex(/^[A-Za-z0-9_.-]+$/, { error: "a dot path into the JSON, such as `build.sha`" }))),
  version: z.optional(z.string()),
  "environment-url": z.optional(httpUrl),
  timeout: z.prefault(duration("5m"), "5m"),
  "probe-interval": z.prefault(duration("1s"), "1s"),
  "max-failed-probes": z.optional(wholeNumber),
  artifact: z.optional(z.string()),
  gates: z.prefault(flag, "true"),
  "shipline-login": z.prefault(z.string().check(z.regex(/^[A-Za-z0-9-]+(\[bot\])?$/, { error: "the Shipline app's bot login, such as `shipline[bot]`" })), "shipline[bot]"),
  digest: z.optional(z.string().check(z.regex(/^sha256:[0-9a-f]{64}$/, { error: "a digest like `sha256:<64 hex>` (the build action's `digest` output)" }))),
});

/** Defaults as action.yml writes them, for the test that compares the two. */
export const deployDefaults = { timeout: "5m", "probe-interval": "1s", gates: "true", "shipline-login": "shipline[bot]" } as const;
