import type { ApplicationFunction } from "probot";
import { registerButtons } from "./buttons.js";
import { registerCommands } from "./commands.js";
import { registerMerge } from "./merge.js";

/** Shipline's Probot app: one handler per event family. */
const shipline: ApplicationFunction = (app) => {
  registerMerge(app);
  registerCommands(app);
  registerButtons(app);
};

export default shipline;
