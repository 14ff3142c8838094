import * as z from "zod/mini";
import { flag } from "../inputs.js";

/** The test action's inputs; action.yml declares exactly these, with the same defaults (a test checks it). */
export const testInputs = z.object({
  token: z.string({ error: "a token (the default `${{ github.token }}` needs `checks: write`)" }),
  command: z.optional(z.string()),
  reports: z.string({ error: "glob patterns of JUnit XML reports, one per line, such as `reports/**/*.xml`" }),
  name: z.prefault(z.string(), "Tests"),
  "fail-on-failure": z.prefault(flag, "true"),
  "fail-on-empty": z.prefault(flag, "true"),
  "fail-on-parse-error": z.prefault(flag, "true"),
  "require-tests": z.prefault(flag, "false"),
});

export const testDefaults = { name: "Tests", "fail-on-failure": "true", "fail-on-empty": "true", "fail-on-parse-error": "true", "require-tests": "false" } as const;
