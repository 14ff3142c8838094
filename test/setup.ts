import nock from "nock";
import { afterEach, beforeAll, expect } from "vitest";

// No test reaches the network: loopback only (the emulator, local HTTP services).
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/);
});

// A test that leaves an expected request unmade fails; so does one that made an unexpected one
// (nock answers those with an error that the handler surfaces).
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, "requests the test expected but the code never made").toEqual([]);
});
