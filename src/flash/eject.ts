/**
 * After a flash on Linux: flush each written card, then power it off (plan-eject.ts says how) and
 * say it is safe to remove. `--no-eject` keeps it attached (flushed all the same).
 */
import { access, writeFile } from 'node:fs/promises';
import { run, which } from '../exec.js';
import { log } from '../log.js';
import type { Drive } from './drive.js';
import type { Platform } from './platform/index.js';
import { ejectMethods, powerOffCommand, sysfsDeletePath, type EjectMethod } from './plan-eject.js';

export interface EjectOutcome {
  /** powered-off: udisksctl; detached: the kernel let go of the device; attached: left as it is. */
  state: 'powered-off' | 'detached' | 'attached';
  message: string;
}

async function tryMethod(drive: Drive, method: EjectMethod): Promise<string | undefined> {
  if (method === 'udisksctl') {
    const r = await run(powerOffCommand(drive.device), { allowFailure: true, timeoutMs: 30_000 });
    return r.exitCode === 0 ? undefined : r.stderr.trim() || `udisksctl exit ${r.exitCode}`;
  }
  if (method === 'sysfs-delete')
    return writeFile(sysfsDeletePath(drive.device), '1').then(
      () => undefined,
      (e: NodeJS.ErrnoException) => `${sysfsDeletePath(drive.device)}: ${e.code ?? e.message}`,
    );
  return 'nothing to do';
}

export async function ejectCard(
  drive: Drive,
  platform: Platform,
  opts: { eject: boolean },
): Promise<EjectOutcome | undefined> {
  if (drive.kind === 'image-file' || platform.name !== 'linux') return undefined;
  // The seed went through mtools and the page cache: on the card before anyone pulls it.
  await platform.dropCache(drive);
  if (!opts.eject) return { state: 'attached', message: 'flushed and left attached (--no-eject)' };
  const methods = ejectMethods(drive, {
    udisksctl: Boolean(await which('udisksctl')),
    sysfsDelete: await access(sysfsDeletePath(drive.device)).then(
      () => true,
      () => false,
    ),
  });
  const failures: string[] = [];
  for (const method of methods) {
    const failure = await tryMethod(drive, method);
    if (failure === undefined)
      return method === 'udisksctl'
        ? { state: 'powered-off', message: 'powered off: safe to remove' }
        : { state: 'detached', message: 'detached from the system: safe to remove' };
    failures.push(failure);
  }
  if (failures.length)
    log.warn(`could not power off ${drive.device} (${failures.join('; ')}); it was flushed`);
  return {
    state: 'attached',
    message:
      drive.kind === 'disk'
        ? 'flushed: safe to remove'
        : `flushed: safe to remove (a ${drive.kind} device: nothing to power off)`,
  };
}
