import * as core from "@actions/core";
import * as z from "zod/mini";
import { failStep, readInputs } from "../inputs.js";

/** The actions this release ships; `run:` picks one. */
export const ROUTES = ["build", "test", "migrate", "deploy", "release-notes"] as const;
export const umbrellaInputs = z.object({
  run: z.enum(ROUTES, { error: `one of ${ROUTES.map((r) => `\`${r}\``).join(", ")}` }),
});

try {
  const { run } = readInputs(umbrellaInputs);
  core.debug(`shipline: running actions/${run}`);
  // The very bundle `uses: <owner>/shipline/actions/<run>` runs: same code, same inputs (INPUT_*).
  await import(new URL(`../../${run}/dist/index.js`, import.meta.url).href);
} catch (error) {
  failStep(error);
}
