import * as z from "zod/mini";
import { flag, wholeNumber } from "../inputs.js";

/** The release-notes action's inputs; action.yml declares exactly these, with the same defaults (a test checks it). */
export const releaseNotesInputs = z.object({
  token: z.string({ error: "a token (the default `${{ github.token }}` needs `contents: write` to publish, `contents: read` otherwise)" }),
  environment: z.optional(z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, { error: "an environment name such as `production`" }))),
  sha: z.optional(z.string().check(z.regex(/^[0-9a-f]{40}$/, { error: "a full 40-character commit SHA" }))),
  from: z.optional(z.string().check(z.regex(/^[A-Za-z0-9._\/-]{1,200}$/, { error: "a tag, branch or SHA such as `v1.2.0`" }))),
  publish: z.prefault(z.enum(["release", "draft", "none"], { error: "`release`, `draft` or `none`" }), "draft"),
  "dry-run": z.prefault(flag, "false"),
  "max-commits": z.prefault(wholeNumber, "5000"),
  config: z.prefault(z.string(), ".github/shipline.yml"),
});

/** Defaults as action.yml writes them, for the test that compares the two. */
export const releaseNotesDefaults = { publish: "draft", "dry-run": "false", "max-commits": "5000", config: ".github/shipline.yml" } as const;
