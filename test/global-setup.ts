import { execFileSync } from "node:child_process";

// End-to-end suites run dist/app.js, as `npm start` does: build it once, before any suite.
export default function setup(): void {
  execFileSync(process.execPath, [new URL("../scripts/build.mjs", import.meta.url).pathname], { stdio: "inherit" });
}
