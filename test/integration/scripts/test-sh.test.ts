/**
 * `make test` (scripts/test.sh) must exit with the suite's own status. Its closing summary runs in
 * an EXIT trap, and once a `sort | head` there died of SIGPIPE with 100+ test files and turned a
 * green CI run into exit 141. The real script runs here with a stand-in `npx` that records a run of
 * many files and passes or fails the tier named in FAIL_TIER.
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'armada-test-sh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

mkdirSync(join(dir, 'scripts'));
mkdirSync(join(dir, 'fake-bin'));
copyFileSync(join(import.meta.dirname, '../../../scripts/test.sh'), join(dir, 'scripts/test.sh'));
writeFileSync(
  join(dir, 'fake-bin/npx'),
  `#!/bin/sh
# vitest run --project <tier>: 300 files' times, then pass or fail as FAIL_TIER says
if [ "$1" = vitest ]; then
  tier=$4
  i=0
  while [ $i -lt 300 ]; do
    printf '%d\\t%s\\ttest/%s/file-%03d-with-a-long-enough-name.test.ts\\tpassed\\n' $((i * 7)) "$tier" "$tier" $i
    i=$((i + 1))
  done >>"$ARMADA_TEST_REPORT_DIR/files.tsv"
  [ "\${FAIL_TIER:-}" = "$tier" ] && exit 3
fi
exit 0
`,
);
chmodSync(join(dir, 'fake-bin/npx'), 0o755);

async function makeTest(failTier = '') {
  const env = {
    ...process.env,
    PATH: `${join(dir, 'fake-bin')}:${process.env.PATH}`,
    FAIL_TIER: failTier,
  };
  try {
    const { stdout } = await run('bash', [join(dir, 'scripts/test.sh')], { env });
    return { code: 0, stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return { code: err.code, stdout: err.stdout };
  }
}

describe('scripts/test.sh', () => {
  it('exits 0 on a green run of many files and still prints the 10 slowest', async () => {
    const { code, stdout } = await makeTest();
    expect(code).toBe(0);
    expect(stdout).toContain('== where the time went ==');
    expect(stdout.match(/^ +\d+ s {2}\S+ +test\//gm)).toHaveLength(10);
  });

  it("exits with the failing tier's status and says which step failed", async () => {
    const { code, stdout } = await makeTest('integration');
    expect(code).toBe(3);
    expect(stdout).toMatch(/^integration +\d+ s {2}\(exit 3\)$/m);
    expect(stdout).not.toMatch(/^e2e /m);
  });
});
