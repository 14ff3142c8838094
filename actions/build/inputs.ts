import * as z from "zod/mini";
import { flag } from "../inputs.js";

/** The build action's inputs; action.yml declares exactly these, with the same defaults (a test checks it). */
export const buildInputs = z.object({
  command: z.optional(z.string()),
  path: z.string({ error: "the folder the build writes, to package (for example `dist`)" }),
  name: z.optional(z.string().check(z.regex(/^[A-Za-z0-9._-]+$/, { error: "a name of letters, digits, `.`, `_` or `-`" }))),
  version: z.optional(z.string().check(z.regex(/^[A-Za-z0-9._+-]+$/, { error: "a version such as `1.4.0` or `2026.11.23`" }))),
  "out-dir": z.prefault(z.string(), ".shipline/packages"),
  upload: z.prefault(flag, "true"),
});

export const buildDefaults = { "out-dir": ".shipline/packages", upload: "true" } as const;
