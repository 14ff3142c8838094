import * as core from "@actions/core";
// zod/mini: the same schemas in a tree-shakable form; the classic API would put 450 KB into every bundle.
import * as z from "zod/mini";
import { parseDuration } from "../shared/config/duration.js";

/** A duration such as `5m`, parsed to milliseconds. */
export const duration = (example: string) =>
  z.pipe(
    z.string().check(z.refine((text) => parseDuration(text) !== undefined, { error: `a duration like \`${example}\` (s, m, h, d)` })),
    z.transform((text: string) => parseDuration(text)!),
  );

/** The YAML 1.2 core schema's booleans, the words `core.getBooleanInput` accepts. */
const TRUE_WORDS = ["true", "True", "TRUE"] as const;
const FALSE_WORDS = ["false", "False", "FALSE"] as const;

/** `true` or `false` as YAML-minded users write them in `with:` (`True`, `FALSE` too). */
export const flag = z.pipe(
  z.enum([...TRUE_WORDS, ...FALSE_WORDS], { error: "`true` or `false`" }),
  z.transform((v: (typeof TRUE_WORDS)[number] | (typeof FALSE_WORDS)[number]) => (TRUE_WORDS as readonly string[]).includes(v)),
);

export const wholeNumber = z.pipe(z.string().check(z.regex(/^\d+$/, { error: "a whole number such as `0` or `3`" })), z.transform(Number));
export const httpUrl = z.url({ protocol: /^https?$/, error: "an http(s) URL" });

/** One thing wrong, with a short title for its annotation. */
export interface Problem {
  title: string;
  message: string;
}

/**
 * A bad input, said so that the user knows which input and how to fix it. Each problem
 * becomes its own annotation (one `::error title=…::` each), not one line joined by newlines.
 */
export class InputError extends Error {
  readonly problems: readonly Problem[];
  constructor(message: string | readonly Problem[]) {
    const problems = typeof message === "string" ? [] : message;
    super(typeof message === "string" ? message : message.map((p) => p.message).join("\n"));
    this.problems = problems;
  }
}

/**
 * Reads every input the schema declares (and only those: a test checks action.yml says the
 * same) and validates them. The runner passes "" for an input that is not set: it becomes
 * undefined, so `z.optional` and `z.prefault` mean what action.yml means. Secrets are masked
 * before anything can print them.
 */
export function readInputs<S extends z.ZodMiniObject>(schema: S, secrets: readonly string[] = []): z.output<S> {
  const raw: Record<string, string | undefined> = {};
  for (const name of Object.keys(schema.shape)) raw[name] = core.getInput(name) || undefined;
  for (const name of secrets) if (raw[name]) core.setSecret(raw[name]!);
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw new InputError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "");
      const given = raw[name] === undefined ? "nothing" : secrets.includes(name) ? "(hidden)" : JSON.stringify(raw[name]);
      return { title: `Input ${name}`, message: `Input \`${name}\`: expected ${issue.message}; got ${given}. Set it in the step's \`with:\`.` };
    }),
  );
}

/** Any thrown value, not only an Error, fails the step with a message. */
export function failStep(error: unknown): void {
  if (error instanceof InputError && error.problems.length > 0) return failWith(error.problems);
  const message = error instanceof Error ? error.message : typeof error === "string" ? error : `unexpected failure: ${JSON.stringify(error)}`;
  core.setFailed(message);
}

/** Fails the step with one annotation per problem (`core.setFailed` would make them one). */
export function failWith(problems: readonly Problem[]): void {
  for (const problem of problems) core.error(problem.message, { title: problem.title });
  process.exitCode = core.ExitCode.Failure;
}
