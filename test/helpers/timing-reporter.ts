/**
 * Where the time went: at the end of each tier's run, the tier's wall time and its slowest files;
 * with ARMADA_TEST_REPORT_DIR set (scripts/test.sh sets it), every file's time is appended to
 * `<dir>/files.tsv` (ms, tier, file, state) so that `make test` can end with one summary over
 * every tier, even when a tier failed. A regression in run time then shows in the first CI log
 * that has it.
 */
import { appendFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

interface TierTimes {
  tier: string;
  wallMs: number;
  files: { file: string; ms: number; state: string }[];
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

export default class TimingReporter implements Reporter {
  private started = Date.now();

  onTestRunStart(): void {
    this.started = Date.now();
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const wallMs = Date.now() - this.started;
    const files = testModules.map((m) => {
      const d = m.diagnostic();
      return {
        file: relative(process.cwd(), m.moduleId),
        ms: Math.round(d.collectDuration + d.duration),
        state: m.state(),
      };
    });
    const tiers = [...new Set(testModules.map((m) => m.project.name))];
    const tier = tiers.length === 1 ? tiers[0] : tiers.join('+') || 'none';
    const times: TierTimes = { tier, wallMs, files: files.sort((a, b) => b.ms - a.ms) };
    const dir = process.env.ARMADA_TEST_REPORT_DIR;
    if (dir)
      appendFileSync(
        join(dir, 'files.tsv'),
        times.files.map((f) => `${f.ms}\t${tier}\t${f.file}\t${f.state}\n`).join(''),
      );
    const top = times.files
      .slice(0, 10)
      .map(
        (f) =>
          `  ${seconds(f.ms).padStart(7)}  ${f.file}${f.state === 'passed' ? '' : ` (${f.state})`}`,
      );
    process.stdout.write(
      `\n${tier}: ${seconds(wallMs)} wall, ${files.length} files; slowest:\n${top.join('\n')}\n`,
    );
  }
}
