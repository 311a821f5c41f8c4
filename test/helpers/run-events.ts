/**
 * Things a test run should show in its summary although no test failed, such as a guest booted a
 * second time after an emulator stall: printed at once, and kept for scripts/test-summary.mjs when
 * ARMADA_TEST_REPORT_DIR is set (scripts/test.sh sets it).
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

export function recordEvent(line: string): void {
  process.stderr.write(`armada-test: ${line}\n`);
  const dir = process.env.ARMADA_TEST_REPORT_DIR;
  if (dir) appendFileSync(join(dir, 'events.log'), `${line}\n`);
}

/**
 * Runs `attempt`; when it fails with an error `isStall` accepts, records that and runs it once
 * more from the start. A second stall fails: an emulator stall is restarted once, not hidden.
 */
export async function retryOnceAfterStall<T>(
  what: string,
  isStall: (e: unknown) => boolean,
  attempt: (n: 1 | 2) => Promise<T>,
): Promise<T> {
  try {
    return await attempt(1);
  } catch (e) {
    if (!isStall(e)) throw e;
    const first = (e as Error).message.split('\n')[0];
    recordEvent(`${what}: booted again after an emulator stall (${first})`);
    return attempt(2);
  }
}
