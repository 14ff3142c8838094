import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    globalSetup: ["test/global-setup.ts"],
    // nock intercepts per process; files stay isolated in their own workers.
    pool: "forks",
    testTimeout: 20_000,
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
