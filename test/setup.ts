import nock from "nock";
import { afterEach, beforeAll, expect } from "vitest";
import { LOOPBACK, takeUnmatched } from "./helpers/unmatched.js";

// No test reaches the network: loopback only (the emulator, local HTTP services).
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(LOOPBACK);
});

// A test that leaves an expected request unmade fails; so does one that made an unexpected one.
afterEach(() => {
  const pending = nock.pendingMocks();
  const unexpected = takeUnmatched();
  nock.cleanAll();
  expect(pending, "requests the test expected but the code never made").toEqual([]);
  expect(unexpected, "requests the code made that no mock answers").toEqual([]);
});
