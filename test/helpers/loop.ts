import { expect } from "vitest";
import type { Emulator } from "../emulator/index.js";

export { startLoop } from "../emulator/app-process.js";

/** The contract: GitHub's description accepted every request, and the emulator answered in its shapes. */
export function expectContractKept(emulator: Emulator): void {
  expect(emulator.requests.filter((r) => r.rejectedByDescription)).toEqual([]);
  expect(emulator.requests.filter((r) => r.invalidResponse)).toEqual([]);
}
