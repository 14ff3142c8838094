import { z } from "zod";
import { DURATION_PATTERN, parseDuration } from "./duration.js";
import { describeConfigIssues, type ConfigProblem } from "./errors.js";
import { DEFAULT_CATEGORIES, DEFAULT_EXCLUDE_LABELS } from "./release-notes-defaults.js";

/** Where Shipline reads its configuration, relative to the repository root. */
export const CONFIG_PATH = ".github/shipline.yml";

/** GitHub's repository permission levels, weakest first; `role_name` uses these words. */
export const PERMISSIONS = ["read", "triage", "write", "maintain", "admin"] as const;
export type Permission = (typeof PERMISSIONS)[number];

const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const WEEKLY_POINT = /^(sun|mon|tue|wed|thu|fri|sat)[a-z]* (\d{2}):(\d{2})$/i;
const DATED_POINT = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?$/;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const duration = z
  .string({ error: "a duration like `30m`, `2h` or `1h30m`" })
  .regex(DURATION_PATTERN, { error: "a duration like `30m`, `2h` or `1h30m`" })
  .refine((text) => text.trim() !== "", { error: "a duration like `30m`, `2h` or `1h30m`" })
  .transform((text) => parseDuration(text) ?? 0);

const freezePoint = z
  .string({ error: "a weekly time like `fri 18:00` or a date like `2026-12-24 00:00`" })
  .refine((text) => validWeekly(text) || validDate(text), {
    error: "a weekly time like `fri 18:00` or a date like `2026-12-24 00:00`",
  });

function validWeekly(text: string): boolean {
  const m = WEEKLY_POINT.exec(text);
  return m !== null && Number(m[2]) < 24 && Number(m[3]) < 60;
}

function validDate(text: string): boolean {
  const m = DATED_POINT.exec(text);
  if (!m) return false;
  const [, y, mo, d, h = "00", mi = "00"] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi)));
  return date.getUTCMonth() === Number(mo) - 1 && Number(h) < 24 && Number(mi) < 60;
}

/** A point of a weekly window: day of week (0 = Sunday) and minute of that day. */
export interface WeeklyPoint {
  day: number;
  minute: number;
}

export type FreezeWindow =
  | { kind: "weekly"; from: WeeklyPoint; to: WeeklyPoint; timezone: string; reason?: string }
  | { kind: "dated"; from: string; to: string; timezone: string; reason?: string };

const freezeWindow = z
  .strictObject({
    from: freezePoint,
    to: freezePoint,
    timezone: z
      .string({ error: "an IANA time zone such as `Europe/Paris` or `UTC`" })
      .refine(isTimeZone, { error: "an IANA time zone such as `Europe/Paris` or `UTC`" })
      .default("UTC"),
    reason: z.string().max(200).optional(),
  })
  .superRefine((w, ctx) => {
    if (WEEKLY_POINT.test(w.from) !== WEEKLY_POINT.test(w.to)) {
      ctx.addIssue({
        code: "custom",
        path: ["to"],
        message: "the same kind of time as `from` (both weekly like `fri 18:00`, or both dates)",
        input: w.to,
      });
    }
  })
  .transform((w): FreezeWindow => {
    const reason = w.reason === undefined ? {} : { reason: w.reason };
    if (WEEKLY_POINT.test(w.from)) {
      return { kind: "weekly", from: weeklyPoint(w.from), to: weeklyPoint(w.to), timezone: w.timezone, ...reason };
    }
    return { kind: "dated", from: datedPoint(w.from), to: datedPoint(w.to), timezone: w.timezone, ...reason };
  });

function weeklyPoint(text: string): WeeklyPoint {
  const [, day = "", h = "0", m = "0"] = WEEKLY_POINT.exec(text) ?? [];
  return { day: WEEKDAYS.indexOf(day.slice(0, 3).toLowerCase() as (typeof WEEKDAYS)[number]), minute: Number(h) * 60 + Number(m) };
}

function datedPoint(text: string): string {
  const [, y, mo, d, h = "00", mi = "00"] = DATED_POINT.exec(text) ?? [];
  return `${y}-${mo}-${d}T${h}:${mi}`;
}

const environmentName = z
  .string({ error: "an environment name such as `staging`" })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, {
    error: "an environment name of letters, digits, `.`, `_` or `-` (it is typed after `/deploy`)",
  });

const stage = z
  .strictObject({
    /** The GitHub environment this stage deploys to. */
    environment: environmentName,
    /** Deploy without a command when the previous step succeeds (a merge, for the first stage). */
    auto: z.boolean().default(false),
    /** Marks the deployment `production_environment` and raises the default permission. */
    production: z.boolean().default(false),
    /** Where the deployed version can be seen; shown in comments and check runs. */
    url: z.url({ protocol: /^https?$/, error: "an http(s) URL such as `https://staging.example.com`" }).optional(),
    /** The least repository permission a person needs to deploy here. */
    permission: z.enum(PERMISSIONS).optional(),
    /** How long a version must have run here successfully before the next stage takes it. */
    soak: duration.optional(),
    /** Times when nothing may be deployed here. */
    freeze: z.array(freezeWindow).default([]),
    /** Checks that must be green on the SHA: `all`, `none`, or a list of check names. */
    checks: z.union([z.enum(["all", "none"]), z.array(z.string().min(1)).min(1)]).default("all"),
    /** An unmerged pull request may deploy here only once approved (default: on for production). */
    require_approval: z.boolean().optional(),
    /** An unmerged pull request may deploy here only with its checks green (default: on for production). */
    require_checks: z.boolean().optional(),
    /** When a deployment here fails, redeploy the last good version automatically (once). */
    auto_rollback: z.boolean().default(false),
  })
  .transform((s) => ({
    ...s,
    permission: s.permission ?? (s.production ? "maintain" : "write"),
    require_approval: s.require_approval ?? s.production,
    require_checks: s.require_checks ?? s.production,
  }));

const noteCategory = z.strictObject({
  /** The section's heading, such as `🚀 Features`. */
  title: z.string({ error: "a heading such as `🚀 Features`" }).min(1).max(100),
  /** Pull requests with one of these labels go here (labels win over types). */
  labels: z.array(z.string().min(1)).default([]),
  /** Conventional-commit types (`feat`, `fix`...) of the title or message that go here. */
  types: z.array(z.string().regex(/^\w+$/, { error: "a conventional-commit type such as `feat`" })).default([]),
});

const releaseNotes = z
  .strictObject({
    /** The app writes notes when a deployment to a production stage succeeds. */
    enabled: z.boolean().default(false),
    /** `release` publishes a GitHub Release (tag at the deployed SHA), `draft` keeps it a draft, `none` only comments. */
    publish: z.enum(["release", "draft", "none"]).default("draft"),
    /** Pull requests with these labels are left out. */
    exclude_labels: z.array(z.string().min(1)).default(DEFAULT_EXCLUDE_LABELS),
    /** Sections in order (breaking changes always come first); default: features, fixes, performance, refactoring, docs, maintenance. */
    categories: z.array(noteCategory).min(1).default(DEFAULT_CATEGORIES),
    /** How far back a first deployment's notes go. */
    max_commits: z.number().int().min(1).max(20_000).default(5000),
  })
  .prefault({});

/** What Shipline does when a repository has no `.github/shipline.yml`. */
export const DEFAULT_CONFIG_INPUT = {
  stages: [
    { environment: "staging", auto: true },
    { environment: "production", production: true },
  ],
};

export const configSchema = z
  .strictObject({
    /** Pull requests from forks may use commands (they then deploy by SHA, checks still apply). */
    allow_forks: z.boolean().default(false),
    /** Notes written from what each production deployment shipped. */
    release_notes: releaseNotes,
    /** Stages in promotion order: the first receives merged commits. */
    stages: z
      .array(stage)
      .min(1, { error: "at least one stage" })
      .max(10, { error: "at most 10 stages" })
      .prefault(() => DEFAULT_CONFIG_INPUT.stages),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.stages.forEach((s, i) => {
      const key = s.environment.toLowerCase();
      if (seen.has(key)) {
        ctx.addIssue({
          code: "custom",
          path: ["stages", i, "environment"],
          message: "an environment name used by no other stage",
          input: s.environment,
        });
      }
      seen.add(key);
    });
  });

export type ShiplineConfig = z.output<typeof configSchema>;
export type Stage = ShiplineConfig["stages"][number];

/** The position of an environment's stage in the pipeline (GitHub compares environment names case-insensitively); -1 when none. */
export function stageIndexOf(config: ShiplineConfig, environment: string): number {
  const name = environment.toLowerCase();
  return config.stages.findIndex((s) => s.environment.toLowerCase() === name);
}

export type ConfigResult =
  | { ok: true; config: ShiplineConfig }
  | { ok: false; problems: ConfigProblem[] };

/**
 * Validates a configuration object already read from YAML. `undefined`/`null` (no file)
 * gives the default pipeline. Never throws: problems come back as data to render.
 */
export function parseConfig(raw: unknown): ConfigResult {
  const input = raw === undefined || raw === null ? DEFAULT_CONFIG_INPUT : withoutExtends(raw);
  const result = configSchema.safeParse(input, { reportInput: true });
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, problems: describeConfigIssues(configSchema, result.error.issues, input) };
}

/** `_extends` is consumed by Probot's config loader; it is not part of Shipline's schema. */
function withoutExtends(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const { _extends: _ignored, ...rest } = raw as Record<string, unknown>;
  return rest;
}

export function defaultConfig(): ShiplineConfig {
  const result = parseConfig(undefined);
  if (!result.ok) throw new Error("the default configuration does not parse");
  return result.config;
}
