/**
 * Ends the run with one plain line, "N passed, N failed, N skipped", that CI and people can read
 * without the default reporter's colours and layout.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed += 1;
        else if (state === 'failed') counts.failed += 1;
        else counts.skipped += 1;
      }
      // A file that failed to load counts as a failure even though it has no tests.
      if (module.state() === 'failed' && !module.ok()) counts.failed += [...module.children.allTests()].length === 0 ? 1 : 0;
    }
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
