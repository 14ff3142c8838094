import type { core } from "zod";

/** One thing wrong in a config file, in words a person can act on. */
export interface ConfigProblem {
  /** Field path as users read it: `stages[1].soak`, or `(top level)`. */
  path: string;
  expected: string;
  found: string;
}

const KNOWN_KEYS = {
  top: ["allow_forks", "stages"],
  stage: ["environment", "auto", "production", "url", "permission", "soak", "freeze", "checks", "require_approval", "require_checks", "auto_rollback"],
  freeze: ["from", "to", "timezone", "reason"],
} as const;

function knownKeysAt(path: readonly PropertyKey[]): readonly string[] {
  if (path.length === 0) return KNOWN_KEYS.top;
  if (path.length === 2 && path[0] === "stages") return KNOWN_KEYS.stage;
  if (path.length === 4 && path[2] === "freeze") return KNOWN_KEYS.freeze;
  return [];
}

/** `["stages", 1, "soak"]` -> `stages[1].soak`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : `${out ? "." : ""}${String(part)}`;
  return out || "(top level)";
}

/** What a value is, quoted when short, so the reader can find it in the file. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing (the field is missing)";
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? "" : "s"}`;
  if (typeof value === "object") return "a mapping of keys";
  const text = JSON.stringify(value) ?? String(value);
  return `\`${text.length > 60 ? `${text.slice(0, 57)}...` : text}\``;
}

const TYPE_WORDS: Record<string, string> = {
  string: "a text",
  number: "a number",
  boolean: "`true` or `false`",
  array: "a list",
  object: "a mapping of keys",
};

function expectedFor(issue: core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      // Our schemas give their own wording; zod's default one starts with "Invalid input".
      return issue.message.startsWith("Invalid input") ? (TYPE_WORDS[issue.expected] ?? issue.expected) : issue.message;
    case "invalid_value":
      return `one of ${issue.values.map((v) => `\`${String(v)}\``).join(", ")}`;
    case "invalid_union":
      return issue.message.startsWith("Invalid input") ? "`all`, `none`, or a list of check names" : issue.message;
    case "too_small":
      if (!issue.message.startsWith("Too small")) return issue.message;
      return issue.origin === "string" ? "a text that is not empty" : `at least ${String(issue.minimum)} item(s)`;
    default:
      return issue.message;
  }
}

/** Levenshtein distance, to suggest the key a typo meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function unknownKeyProblem(path: readonly PropertyKey[], key: string): ConfigProblem {
  const known = knownKeysAt(path);
  const close = known.find((k) => distance(k, key.toLowerCase()) <= 2);
  const list = known.map((k) => `\`${k}\``).join(", ");
  return {
    path: formatPath([...path, key]),
    expected: close ? `\`${close}\` (a known key; the keys here are ${list})` : `one of the known keys ${list}`,
    found: `the unknown key \`${key}\``,
  };
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const part of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

/** Turns zod issues into problems that name the field, what was expected and what was found. */
export function describeConfigIssues(issues: readonly core.$ZodIssue[], input: unknown): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code === "unrecognized_keys") return issue.keys.map((key) => unknownKeyProblem(issue.path, key));
    return [{ path: formatPath(issue.path), expected: expectedFor(issue), found: describeValue(valueAt(input, issue.path)) }];
  });
}
