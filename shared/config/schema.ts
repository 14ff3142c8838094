import { z } from "zod";
import { DURATION_PATTERN, parseDuration } from "./duration.js";
import { describeConfigIssues, type ConfigProblem } from "./errors.js";
import { DEFAULT_CATEGORIES, DEFAULT_EXCLUDE_LABELS, DEFAULT_VERSION_LABELS } from "./release-notes-defaults.js";

/** Where Shipline reads its configuration, relative to the repository root. */
export const CONFIG_PATH = ".github/shipline.yml";

/** GitHub's repository permission levels, weakest first; `role_name` uses these words. */
export const PERMISSIONS = ["read", "triage", "write", "maintain", "admin"] as const;
export type Permission = (typeof PERMISSIONS)[number];

const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const WEEKLY_POINT = /^(sun|mon|tue|wed|thu|fri|sat)[a-z]* (\d{2}):(\d{2})$/i;
const DATED_POINT = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?$/;

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone; the JSON Schema lists them (json-schema.ts), the parser asks the runtime. */
export const timeZoneName = z
  .string({ error: "an IANA time zone such as `Europe/Paris` or `UTC`" })
  .refine(isTimeZone, { error: "an IANA time zone such as `Europe/Paris` or `UTC`" });

const duration = z
  .string({ error: "a duration like `30m`, `2h` or `1h30m`" })
  .regex(DURATION_PATTERN, { error: "a duration like `30m`, `2h` or `1h30m`" })
  .refine((text) => text.trim() !== "", { error: "a duration like `30m`, `2h` or `1h30m`" })
  .meta({ minLength: 1 })
  .transform((text) => parseDuration(text) ?? 0);

// The same two shapes for JSON Schema, which has no flags (so no /i) and cannot see that
// 2026-02-30 is no date: editors catch the shape, the parser the rest.
const caseless = (word: string) => [...word].map((c) => `[${c.toLowerCase()}${c.toUpperCase()}]`).join("");
const WEEKLY_POINT_JSON = `^(${WEEKDAYS.map(caseless).join("|")})[a-zA-Z]* ([01]\\d|2[0-3]):[0-5]\\d$`;
const DATED_POINT_JSON = "^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])([ T]([01]\\d|2[0-3]):[0-5]\\d)?$";

const freezePoint = z
  .string({ error: "a weekly time like `fri 18:00` or a date like `2026-12-24 00:00`" })
  .refine((text) => validWeekly(text) || validDate(text), {
    error: "a weekly time like `fri 18:00` or a date like `2026-12-24 00:00`",
  })
  .meta({ anyOf: [{ pattern: WEEKLY_POINT_JSON }, { pattern: DATED_POINT_JSON }] });

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
    from: freezePoint.describe("When the freeze starts: a weekly time like `fri 18:00`, or a date like `2026-12-24` or `2026-12-24 18:00`."),
    to: freezePoint.describe("When it ends, of the same kind as `from` (a weekly window may wrap over the weekend)."),
    timezone: timeZoneName
      .default("UTC")
      .describe("The IANA time zone `from` and `to` are read in, such as `Europe/Paris`."),
    reason: z.string().max(200).optional().describe("Said to whoever is refused during the freeze."),
  })
  .meta({
    // Both weekly or both dated: what the parser's refinement below says, in JSON Schema's words.
    anyOf: [
      { properties: { from: { pattern: WEEKLY_POINT_JSON }, to: { pattern: WEEKLY_POINT_JSON } } },
      { properties: { from: { pattern: DATED_POINT_JSON }, to: { pattern: DATED_POINT_JSON } } },
    ],
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
    environment: environmentName.describe("The GitHub environment this stage deploys to."),
    auto: z.boolean().default(false).describe("Deploy without a command when the previous step succeeds (a merge, for the first stage)."),
    production: z.boolean().default(false).describe("Marks the deployment `production_environment` and raises the default permission."),
    url: z.url({ protocol: /^https?$/, error: "an http(s) URL such as `https://staging.example.com`" }).meta({ pattern: "^[hH][tT][tT][pP][sS]?://" }).optional().describe("Where the deployed version can be seen; shown in comments and check runs."),
    permission: z.enum(PERMISSIONS).optional().describe("The least repository permission a person needs to deploy here."),
    soak: duration.optional().describe("How long a version must have run here successfully before the next stage takes it."),
    freeze: z.array(freezeWindow).default([]).describe("Times when nothing may be deployed here."),
    checks: z.union([z.enum(["all", "none"]), z.array(z.string().min(1)).min(1)]).default("all").describe("Checks that must be green on the SHA: `all`, `none`, or a list of check names."),
    require_approval: z.boolean().optional().describe("An unmerged pull request may deploy here only once approved (default: on for production)."),
    require_checks: z.boolean().optional().describe("An unmerged pull request may deploy here only with its checks green (default: on for production)."),
    auto_rollback: z.boolean().default(false).describe("When a deployment here fails, redeploy the last good version automatically (once)."),
    require_previous: z.boolean().default(true).describe("Take only a commit that succeeded in the stage before this one (ignored for the first stage)."),
    require_up_to_date: z.boolean().default(false).describe("`/deploy` of an open pull request here needs its head to contain the default branch's tip."),
    approvals: z
      .union([
        z.number({ error: "a number of approvals such as `1`, or `{ count: 1, from: [alice, \"@acme/release-managers\"] }`" }).int().min(1).max(10),
        z.strictObject({
          count: z.number().int().min(1).max(10).default(1).describe("How many people must approve."),
          from: z
            .array(z.string().regex(/^@?[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9._-]{1,100})?$/, { error: "a login such as `alice` or a team such as `@acme/release-managers`" }))
            .min(1)
            .optional()
            .describe("Who may approve: logins, and teams written `@org/team-slug`. Without it, anyone who may deploy here."),
        }),
      ])
      .optional()
      .describe("Shipline's own approvals (every plan): a deploy here waits for this many approvals of its SHA, given with `/approve` or the Approve button."),
    allow_self_approval: z.boolean().default(false).describe("Whether the author of the change may approve its deployment here."),
  })
  .transform((s) => ({
    ...s,
    permission: s.permission ?? (s.production ? "maintain" : "write"),
    require_approval: s.require_approval ?? s.production,
    require_checks: s.require_checks ?? s.production,
    approvals: s.approvals === undefined ? undefined : typeof s.approvals === "number" ? { count: s.approvals, from: undefined } : { count: s.approvals.count, from: s.approvals.from },
  }));

const noteCategory = z.strictObject({
  title: z.string({ error: "a heading such as `🚀 Features`" }).min(1).max(100).describe("The section's heading, such as `🚀 Features`."),
  labels: z.array(z.string().min(1)).default([]).describe("Pull requests with one of these labels go here (labels win over types)."),
  types: z.array(z.string().regex(/^\w+$/, { error: "a conventional-commit type such as `feat`" })).default([]).describe("Conventional-commit types (`feat`, `fix`...) of the title or message that go here."),
});

const releaseNotes = z
  .strictObject({
    enabled: z.boolean().default(false).describe("The app writes notes when a deployment to a production stage succeeds."),
    publish: z.enum(["release", "draft", "none"]).default("draft").describe("`release` publishes a GitHub Release (tag at the deployed SHA), `draft` keeps it a draft, `none` only comments."),
    exclude_labels: z.array(z.string().min(1)).default(DEFAULT_EXCLUDE_LABELS).describe("Pull requests with these labels are left out."),
    categories: z.array(noteCategory).min(1).default(DEFAULT_CATEGORIES).describe("Sections in order (breaking changes always come first); default: features, fixes, performance, refactoring, docs, maintenance."),
    version_labels: z
      .strictObject({
        major: z.array(z.string().min(1)).default(DEFAULT_VERSION_LABELS.major).describe("Labels that make the next version a major one."),
        minor: z.array(z.string().min(1)).default(DEFAULT_VERSION_LABELS.minor).describe("Labels that make it at least a minor one."),
        patch: z.array(z.string().min(1)).default(DEFAULT_VERSION_LABELS.patch).describe("Labels that make it at least a patch."),
      })
      .prefault({})
      .describe("Pull request labels that choose the version's bump beside the conventional types; the highest wins."),
    max_commits: z.number().int().min(1).max(20_000).default(5000).describe("How far back a first deployment's notes go."),
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
    allow_forks: z.boolean().default(false).describe("Pull requests from forks may use commands (they then deploy by SHA, checks still apply)."),
    release_notes: releaseNotes.describe("Notes written from what each production deployment shipped."),
    stages: z
      .array(stage)
      .min(1, { error: "at least one stage" })
      .max(10, { error: "at most 10 stages" })
      .prefault(() => DEFAULT_CONFIG_INPUT.stages)
      .describe("Stages in promotion order: the first receives merged commits. Environment names must differ (case aside)."),
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
