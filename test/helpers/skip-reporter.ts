/**
 * Ends every run with one line saying how many suites were skipped and why (see needs.ts), so a
 * run without root cannot look like a full pass.
 */
import type { Reporter, TestModule } from 'vitest/node';
import { skippedMarker } from './needs.js';

export default class SkipReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const reasons = new Map<string, number>();
    for (const module of testModules)
      for (const suite of module.children.allSuites()) {
        const reason = skippedMarker.exec(suite.name)?.[1];
        if (reason && suite.options.mode === 'skip')
          reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    if (!reasons.size) return;
    const total = [...reasons.values()].reduce((a, b) => a + b, 0);
    const why = [...reasons].map(([reason, n]) => `${n} × ${reason}`).join('; ');
    process.stdout.write(`\n${total} suite${total === 1 ? '' : 's'} skipped: ${why}\n`);
  }
}
