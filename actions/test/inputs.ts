import * as z from "zod/mini";

const flag = (name: string) => z.pipe(z.enum(["true", "false"], { error: `\`true\` or \`false\` (${name})` }), z.transform((v: "true" | "false") => v === "true"));

/** The test action's inputs; action.yml declares exactly these, with the same defaults (a test checks it). */
export const testInputs = z.object({
  token: z.string({ error: "a token (the default `${{ github.token }}` needs `checks: write`)" }),
  command: z.optional(z.string()),
  reports: z.string({ error: "glob patterns of JUnit XML reports, one per line, such as `reports/**/*.xml`" }),
  name: z.prefault(z.string(), "Tests"),
  "fail-on-failure": z.prefault(flag("fail the step when a test failed"), "true"),
  "fail-on-empty": z.prefault(flag("fail the step when no report was found"), "true"),
});

export const testDefaults = { name: "Tests", "fail-on-failure": "true", "fail-on-empty": "true" } as const;
