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

/** `true` or `false`, as YAML-minded users write them in `with:`. */
export const flag = z.pipe(z.enum(["true", "false"], { error: "`true` or `false`" }), z.transform((v: "true" | "false") => v === "true"));

export const wholeNumber = z.pipe(z.string().check(z.regex(/^\d+$/, { error: "a whole number such as `0` or `3`" })), z.transform(Number));
export const httpUrl = z.url({ protocol: /^https?$/, error: "an http(s) URL" });

/** A bad input, said so that the user knows which input and how to fix it. */
export class InputError extends Error {}

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
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? "");
    const given = raw[name] === undefined ? "nothing" : secrets.includes(name) ? "(hidden)" : JSON.stringify(raw[name]);
    return `Input \`${name}\`: expected ${issue.message}; got ${given}. Set it in the step's \`with:\`.`;
  });
  throw new InputError(lines.join("\n"));
}

/** Any thrown value, not only an Error, fails the step with a message. */
export function failStep(error: unknown): void {
  const message = error instanceof Error ? error.message : typeof error === "string" ? error : `unexpected failure: ${JSON.stringify(error)}`;
  core.setFailed(message);
}
