import type { Reporter, SerializedError, TestModule } from "vitest/node";

/**
 * Ends the run with the plain line CI tools read in any language: "N passed, N failed, N skipped".
 * A file that failed outside its tests (a hook's assertion, an import error) and an unhandled
 * error count as failed too: the line must never read "0 failed" on a red run.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError> = []): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      // Errors of the file itself (beforeAll/afterAll, collection), beside its tests' own.
      failed += module.errors().length;
      for (const suite of module.children.allSuites()) failed += suite.errors().length;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else skipped++;
      }
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
