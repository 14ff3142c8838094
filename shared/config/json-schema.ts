import { rawTimeZones } from "@vvo/tzdb";
import { z } from "zod";
import { configSchema, isTimeZone, timeZoneName } from "./schema.js";

/** Where the published JSON Schema lives in this repository (README gives editors its raw URL). */
export const JSON_SCHEMA_PATH = "schema/shipline.schema.json";

/**
 * The JSON Schema editors check `.github/shipline.yml` with, generated from the zod schema
 * that parses it: the same fields, defaults, descriptions (hovers) and every rule JSON Schema
 * can say. Two it cannot: environment names unique regardless of case, and real calendar
 * dates (2026-02-30); the parser still refuses those, naming the field.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, {
    io: "input",
    unrepresentable: "any",
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema === timeZoneName) jsonSchema.enum = timeZoneNames();
    },
  }) as Record<string, unknown> & { properties: Record<string, unknown> };
  return {
    ...schema,
    title: "Shipline configuration (.github/shipline.yml)",
    properties: {
      // Probot's config loader reads `_extends` before Shipline's parser sees the file.
      _extends: {
        type: "string",
        minLength: 1,
        description: "Start from another repository's file: `repo` (its .github/shipline.yml) or `owner/repo:path/to/file.yml`; keys here override it.",
      },
      ...schema.properties,
    },
  };
}

/**
 * Every name an editor should accept: IANA's current names and their aliases (tzdb), and
 * the older ones the runtime reports (`Asia/Calcutta`), each kept only if the parser's
 * runtime knows it, so the schema never accepts what the parser refuses.
 */
function timeZoneNames(): string[] {
  const names = [...rawTimeZones.flatMap((zone) => [zone.name, ...zone.group]), ...Intl.supportedValuesOf("timeZone"), "UTC", "Etc/UTC", "GMT"];
  return [...new Set(names)].filter(isTimeZone).sort();
}
