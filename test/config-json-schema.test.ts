import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfig } from "../shared/config/schema.js";

// What editors check (the committed file, which build.test.ts keeps equal to the zod schema)
// against what the app accepts: both must say yes or no to the same files.
const schema = JSON.parse(readFileSync(new URL("../schema/shipline.schema.json", import.meta.url), "utf8"));
const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);

const stage = (extra: string) => `stages:\n  - environment: staging\n    auto: true\n  - environment: production\n    production: true\n${extra}`;
const freeze = (window: string) => stage(`    freeze:\n${window}`);

/** [what, YAML, whether both accept it]. */
const TABLE: Array<[string, string, boolean]> = [
  ["README's example with _extends", "_extends: acme/.github\nstages:\n  - environment: staging\n    auto: true\n", true],
  ["the default pipeline, spelt out", stage(""), true],
  ["a weekly freeze in a time zone", freeze("      - from: fri 18:00\n        to: Monday 08:00\n        timezone: Europe/Paris\n        reason: weekend\n"), true],
  ["a dated freeze", freeze("      - from: 2026-12-24\n        to: 2026-12-26 08:00\n"), true],
  ["an upper-case weekday", freeze("      - from: FRI 18:00\n        to: MON 08:00\n"), true],
  ["a current IANA name", freeze("      - from: fri 18:00\n        to: mon 08:00\n        timezone: Asia/Kolkata\n"), true],
  ["an older IANA name", freeze("      - from: fri 18:00\n        to: mon 08:00\n        timezone: Asia/Calcutta\n"), true],
  ["an unknown time zone", freeze("      - from: fri 18:00\n        to: mon 08:00\n        timezone: Mars/Olympus\n"), false],
  ["a time zone as an offset", freeze("      - from: fri 18:00\n        to: mon 08:00\n        timezone: UTC+2\n"), false],
  ["a freeze hour out of range", freeze("      - from: fri 25:00\n        to: mon 08:00\n"), false],
  ["a freeze month out of range", freeze("      - from: 2026-13-01\n        to: 2026-12-26\n"), false],
  ["a weekly from with a dated to", freeze("      - from: fri 18:00\n        to: 2026-12-24\n"), false],
  ["a dated from with a weekly to", freeze("      - from: 2026-12-24\n        to: mon 08:00\n"), false],
  ["an http URL", stage("    url: https://example.com\n"), true],
  ["a javascript: URL", stage("    url: javascript:alert(1)\n"), false],
  ["an ftp URL", stage("    url: ftp://example.com/x\n"), false],
  ["a soak", "stages:\n  - environment: staging\n  - environment: production\n    soak: 1h30m\n", true],
  ["an empty soak", "stages:\n  - environment: staging\n  - environment: production\n    soak: ''\n", false],
  ["a soak in words", "stages:\n  - environment: staging\n  - environment: production\n    soak: thirty\n", false],
  ["an unknown key", "stages:\n  - environment: staging\nstagse: []\n", false],
  ["no stage", "stages: []\n", false],
  ["an environment name with a space", "stages:\n  - environment: my env\n", false],
  ["an unknown permission", "stages:\n  - environment: staging\n    permission: god\n", false],
  ["checks as a list", "stages:\n  - environment: staging\n    checks: [ci/test]\n", true],
  ["checks as a number", "stages:\n  - environment: staging\n    checks: 3\n", false],
  ["release notes", "release_notes:\n  enabled: true\n  publish: release\n  categories:\n    - title: Security\n      labels: [security]\n", true],
  ["release notes, a bad publish", "release_notes:\n  publish: sometimes\n", false],
];

/** What JSON Schema cannot say; the parser refuses these, naming the field. */
const BEYOND_JSON_SCHEMA: Array<[string, string]> = [
  ["environment names equal but for case", "stages:\n  - environment: staging\n  - environment: Staging\n"],
  ["a day that no month has", freeze("      - from: 2026-02-30\n        to: 2026-03-02\n")],
];

describe("the editors' JSON Schema and the parser agree", () => {
  it.each(TABLE)("%s", (_what, yaml, accepted) => {
    const raw = parse(yaml);
    expect({ parser: parseConfig(raw).ok, schema: validate(raw) }).toEqual({ parser: accepted, schema: accepted });
  });

  it.each(BEYOND_JSON_SCHEMA)("%s: the schema lets it through, the parser refuses it", (_what, yaml) => {
    const raw = parse(yaml);
    expect({ parser: parseConfig(raw).ok, schema: validate(raw) }).toEqual({ parser: false, schema: true });
  });

  it("describes every field, so editors' hovers say what it does", () => {
    const undescribed: string[] = [];
    const walk = (node: Record<string, any>, path: string) => {
      for (const [key, value] of Object.entries<Record<string, any>>(node.properties ?? {})) {
        if (!value.description) undescribed.push(`${path}${key}`);
        walk(value, `${path}${key}.`);
        if (value.items) walk(value.items, `${path}${key}[].`);
      }
    };
    walk(schema, "");
    expect(undescribed).toEqual([]);
  });
});
