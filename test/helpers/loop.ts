import { expect } from "vitest";
import type { Emulator } from "../emulator/index.js";

export { startLoop } from "../emulator/app-process.js";

/**
 * The contract: GitHub's description accepted every request, the emulator answered in its
 * shapes, and no request needed a permission app.yml does not grant (GitHub's 403).
 */
export function expectContractKept(emulator: Emulator): void {
  expect(emulator.requests.filter((r) => r.rejectedByDescription)).toEqual([]);
  expect(emulator.requests.filter((r) => r.invalidResponse)).toEqual([]);
  expect(emulator.requests.filter((r) => r.forbidden || r.status === 403)).toEqual([]);
  expect(emulator.requests.filter((r) => r.unimplemented)).toEqual([]);
}
