/**
 * The pull-request comment grammar. Text in, a typed command or a typed error out; no I/O.
 *
 *   /deploy [env] [--dry-run] [--override-freeze]
 *   /rollback [env] [to <sha|tag|deployment-id>]
 *   /lock [env] [reason...]
 *   /unlock [env]
 *   /approve [env]
 *   /help
 *
 * The command must start the first non-blank line; the rest of the comment is ignored.
 * The command word is case-insensitive. Nothing parsed here is ever passed to a shell.
 */

export type RollbackTarget = { kind: "sha"; sha: string } | { kind: "tag"; tag: string } | { kind: "deployment"; id: number };

export type Command =
  | { kind: "deploy"; environment?: string; dryRun: boolean; overrideFreeze?: boolean }
  | { kind: "rollback"; environment?: string; target?: RollbackTarget }
  | { kind: "lock"; environment?: string; reason: string }
  | { kind: "unlock"; environment?: string }
  | { kind: "approve"; environment?: string }
  | { kind: "help" };

export type CommandKind = Command["kind"];

export interface CommandError {
  reasonCode: "bad_command";
  message: string;
}

export type ParsedCommand = { command: Command } | { error: CommandError };

const COMMAND_WORDS = ["deploy", "rollback", "lock", "unlock", "approve", "help"] as const;
const COMMAND_LINE = /^\/(deploy|rollback|lock|unlock|approve|help)(?=\s|$)/i;
// Short SHAs need a letter: an all-digit token is a deployment id.
const SHA = /^(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}$|^[0-9a-f]{40}$/i;
const DEPLOYMENT_ID = /^[1-9][0-9]{0,18}$/;
// git's rules for tag names, kept strict: no leading `-` (never an option), no `..`, no `.lock`.
const TAG = /^(?!.*\.\.)(?!.*\.lock$)(?!.*\/$)[A-Za-z0-9][A-Za-z0-9._/+-]{0,99}$/;
const MAX_REASON = 200;

/** The first line that is not blank, without its surrounding white space. */
function firstLine(text: string): string {
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf("\n", start);
    const line = text.slice(start, end === -1 ? undefined : end).trim();
    if (line !== "") return line;
    if (end === -1) break;
    start = end + 1;
  }
  return "";
}

/**
 * Whether a comment is a Shipline command at all. Cheap and without configuration, so a
 * comment that is not a command costs no API request.
 */
export function isCommand(text: string): boolean {
  return COMMAND_LINE.test(firstLine(text));
}

function list(environments: readonly string[]): string {
  return environments.map((e) => `\`${e}\``).join(", ");
}

function fail(message: string): { error: CommandError } {
  return { error: { reasonCode: "bad_command", message } };
}

/** Parses a command against the configured environments; null when the text is no command. */
export function parseCommand(text: string, environments: readonly string[]): ParsedCommand | null {
  const line = firstLine(text);
  const match = COMMAND_LINE.exec(line);
  if (!match) return null;
  const word = match[1]!.toLowerCase() as (typeof COMMAND_WORDS)[number];
  const args = line.slice(match[0].length).trim().split(/\s+/).filter(Boolean);
  const envOf = (token: string | undefined) => (token === undefined ? undefined : environments.find((e) => e.toLowerCase() === token.toLowerCase()));
  const expectEnv = (token: string, usage: string) =>
    fail(`\`${clip(token)}\` is not an environment. Usage: \`${usage}\`; environments: ${list(environments)}.`);

  switch (word) {
    case "help":
      return args.length === 0 ? { command: { kind: "help" } } : fail(`\`/help\` takes no arguments; found \`${clip(args[0]!)}\`.`);

    case "deploy": {
      let environment: string | undefined;
      let dryRun = false;
      let overrideFreeze = false;
      for (const token of args) {
        if (token.toLowerCase() === "--dry-run" && !dryRun) dryRun = true;
        else if (token.toLowerCase() === "--override-freeze" && !overrideFreeze) overrideFreeze = true;
        else if (environment === undefined && !token.startsWith("-") && envOf(token)) environment = envOf(token);
        else if (environment === undefined && !token.startsWith("-")) return expectEnv(token, "/deploy [environment] [--dry-run]");
        else return fail(`Unexpected \`${clip(token)}\`. Usage: \`/deploy [environment] [--dry-run]\`; environments: ${list(environments)}.`);
      }
      return { command: { kind: "deploy", ...(environment ? { environment } : {}), dryRun, ...(overrideFreeze ? { overrideFreeze } : {}) } };
    }

    case "unlock":
    case "approve": {
      if (args.length === 0) return { command: { kind: word } };
      const environment = envOf(args[0]);
      if (!environment) return expectEnv(args[0]!, `/${word} [environment]`);
      if (args.length > 1) return fail(`Unexpected \`${clip(args[1]!)}\`. Usage: \`/${word} [environment]\`.`);
      return { command: { kind: word, environment } };
    }

    case "lock": {
      const environment = envOf(args[0]);
      const words = environment ? args.slice(1) : args;
      const reason = words.join(" ");
      if (reason.length > MAX_REASON) return fail(`The lock reason is ${reason.length} characters; at most ${MAX_REASON}.`);
      return { command: { kind: "lock", ...(environment ? { environment } : {}), reason } };
    }

    case "rollback": {
      let rest = args;
      const environment = envOf(rest[0]);
      if (environment) rest = rest.slice(1);
      if (rest.length === 0) return { command: { kind: "rollback", ...(environment ? { environment } : {}) } };
      if (rest[0]!.toLowerCase() !== "to") {
        return environment
          ? fail(`Unexpected \`${clip(rest[0]!)}\`. Usage: \`/rollback [environment] [to <sha|tag|deployment-id>]\`.`)
          : expectEnv(rest[0]!, "/rollback [environment] [to <sha|tag|deployment-id>]");
      }
      if (rest.length === 1) return fail("`to` needs a SHA (7 to 40 hex characters), a tag or a deployment id.");
      if (rest.length > 2) return fail(`Unexpected \`${clip(rest[2]!)}\` after the rollback target.`);
      const target = rollbackTarget(rest[1]!);
      if (!target) return fail(`\`${clip(rest[1]!)}\` is not a SHA (7 to 40 hex characters), a tag or a deployment id.`);
      return { command: { kind: "rollback", ...(environment ? { environment } : {}), target } };
    }
  }
}

function rollbackTarget(token: string): RollbackTarget | undefined {
  if (DEPLOYMENT_ID.test(token)) return { kind: "deployment", id: Number(token) };
  if (SHA.test(token)) return { kind: "sha", sha: token.toLowerCase() };
  if (TAG.test(token)) return { kind: "tag", tag: token };
  return undefined;
}

/** Quotes at most 40 characters of what the user typed, inert inside backticks. */
function clip(token: string): string {
  const safe = token.replace(/`/g, "'");
  return safe.length > 40 ? `${safe.slice(0, 39)}…` : safe;
}
