/**
 * run and runBuffer end the same ways: a timeout, a missing tool and a failed exit are each their
 * own error, whether the output is text or bytes.
 */
import { describe, expect, it } from 'vitest';
import { MissingToolError } from '../../src/errors.js';
import { CommandFailedError, run, runBuffer } from '../../src/exec.js';

describe.each([
  ['run', run],
  ['runBuffer', runBuffer],
] as const)('%s', (_, spawn) => {
  it('kills a tool that outlives its timeout and says so', async () => {
    const error = await spawn(['sleep', ['5']], { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    expect((error as Error).message).toBe('sleep failed: timed out after 100 ms');
  });

  it('names the package of a tool that is not installed', async () => {
    const error = await spawn(['armada-no-such-tool', []]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingToolError);
  });

  it("fails with the tool's last words", async () => {
    const error = await spawn(['sh', ['-c', 'echo broken >&2; exit 3']]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    expect((error as Error).message).toBe('sh failed (exit 3): broken');
  });
});
