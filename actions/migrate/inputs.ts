import * as z from "zod/mini";
import { duration } from "../inputs.js";

const identifier = z.string().check(z.regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: "a plain PostgreSQL identifier (lower-case letters, digits, `_`), such as `public`" }));

/** The migrate action's inputs; action.yml declares exactly these, with the same defaults (a test checks it). */
export const migrateInputs = z.object({
  mode: z.prefault(z.enum(["plan", "apply", "status", "repair"], { error: "`plan`, `apply`, `status` or `repair`" }), "apply"),
  directory: z.prefault(z.string(), "migrations"),
  "database-url": z.optional(z.string().check(z.regex(/^postgres(ql)?:\/\//, { error: "a connection URL such as `postgres://user:password@host:5432/db` (leave it empty for PGlite, in-process)" }))),
  "pglite-data-dir": z.optional(z.string()),
  schema: z.prefault(identifier, "public"),
  table: z.prefault(identifier, "shipline_migrations"),
  "lock-timeout": z.prefault(duration("5s"), "5s"),
  "statement-timeout": z.prefault(duration("15m"), "15m"),
  "lock-wait": z.prefault(duration("2m"), "2m"),
  command: z.optional(z.string()),
  "installed-by": z.optional(z.string()),
});

/** Defaults as action.yml writes them, for the test that compares the two. */
export const migrateDefaults = { mode: "apply", directory: "migrations", schema: "public", table: "shipline_migrations", "lock-timeout": "5s", "statement-timeout": "15m", "lock-wait": "2m" } as const;
