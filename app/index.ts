import type { ApplicationFunction } from "probot";
import { registerMerge } from "./merge.js";

/** Shipline's Probot app: one handler per event family. */
const shipline: ApplicationFunction = (app) => {
  registerMerge(app);
};

export default shipline;
