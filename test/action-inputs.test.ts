import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { flag } from "../actions/inputs.js";

describe("boolean inputs", () => {
  it.each([
    ["true", true],
    ["True", true],
    ["TRUE", true],
    ["false", false],
    ["False", false],
    ["FALSE", false],
  ])("reads %s as %s, as core.getBooleanInput does", (text, value) => {
    expect(z.parse(flag, text)).toBe(value);
  });

  it.each(["yes", "on", "1", "tRUE", ""])("refuses %j with the words to write", (text) => {
    const result = z.safeParse(flag, text);
    expect(result.success ? "accepted" : result.error.issues[0]!.message).toBe("`true` or `false`");
  });
});
