import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project folder, found from this file whether it runs from source or from a bundle in dist/. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "shipline") return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find Shipline's package.json above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}
