import { closest, distance } from "fastest-levenshtein";
import type { core } from "zod";

/** One thing wrong in a config file, in words a person can act on. */
export interface ConfigProblem {
  /** Field path as users read it: `stages[1].soak`, or `(top level)`. */
  path: string;
  expected: string;
  found: string;
}

/** The schema nodes a value at `path` may be checked by: through wrappers, pipes, unions, list items and object fields. */
function nodesAt(schema: core.$ZodType, path: readonly PropertyKey[]): core.$ZodType[] {
  let nodes = unwrap(schema);
  for (const part of path) {
    nodes = nodes.flatMap((node) => {
      const def = node._zod.def as unknown as { type: string; shape?: Record<string, core.$ZodType>; element?: core.$ZodType };
      if (def.type === "object" && typeof part === "string" && def.shape?.[part]) return unwrap(def.shape[part]);
      if (def.type === "array" && typeof part === "number" && def.element) return unwrap(def.element);
      return [];
    });
  }
  return nodes;
}

/** A schema without its defaults, optionals and transforms: the objects, lists and values it checks. */
function unwrap(schema: core.$ZodType): core.$ZodType[] {
  const def = schema._zod.def as unknown as { type: string; innerType?: core.$ZodType; in?: core.$ZodType; options?: core.$ZodType[] };
  if (def.innerType) return unwrap(def.innerType);
  if (def.type === "pipe" && def.in) return unwrap(def.in);
  if (def.type === "union" && def.options) return def.options.flatMap(unwrap);
  return [schema];
}

/** The keys the schema knows at `path`, read from the schema itself so the list can never drift from it. */
export function knownKeysAt(schema: core.$ZodType, path: readonly PropertyKey[]): string[] {
  const keys = nodesAt(schema, path).flatMap((node) => {
    const def = node._zod.def as unknown as { type: string; shape?: Record<string, unknown> };
    return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
  });
  return [...new Set(keys)];
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

/** A typo this close to a known key (edits, case aside) is taken to mean it. */
const TYPO_DISTANCE = 2;

function unknownKeyProblem(schema: core.$ZodType, path: readonly PropertyKey[], key: string): ConfigProblem {
  const known = knownKeysAt(schema, path);
  const nearest = known.length > 0 ? closest(key.toLowerCase(), known) : undefined;
  const close = nearest !== undefined && distance(nearest, key.toLowerCase()) <= TYPO_DISTANCE ? nearest : undefined;
  const list = known.map((k) => `\`${k}\``).join(", ");
  return {
    path: formatPath([...path, key]),
    expected: close ? `\`${close}\` (a known key; the keys here are ${list})` : known.length > 0 ? `one of the known keys ${list}` : "no key here",
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
export function describeConfigIssues(schema: core.$ZodType, issues: readonly core.$ZodIssue[], input: unknown): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code === "unrecognized_keys") return issue.keys.map((key) => unknownKeyProblem(schema, issue.path, key));
    return [{ path: formatPath(issue.path), expected: expectedFor(issue), found: describeValue(valueAt(input, issue.path)) }];
  });
}
