import type { ApplicationFunction } from "probot";
import { registerButtons } from "./buttons.js";
import { registerCommands } from "./commands.js";
import { registerLifecycle } from "./lifecycle.js";
import { registerMerge } from "./merge.js";
import { registerProtection } from "./protection.js";

/** Shipline's Probot app: one handler per event family. */
const shipline: ApplicationFunction = (app) => {
  registerMerge(app);
  registerCommands(app);
  registerButtons(app);
  registerProtection(app);
  registerLifecycle(app);
};

export default shipline;
