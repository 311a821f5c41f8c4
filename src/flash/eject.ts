/**
 * After a flash on Linux: flush each written card, then apply plan-eject.ts's plan (eject the
 * medium by default, `--power-off` the reader, `--no-eject` neither) and say it is safe to remove.
 */
import { access, writeFile } from 'node:fs/promises';
import { run, which } from '../exec.js';
import { log } from '../log.js';
import type { Drive } from './drive.js';
import type { Platform } from './platform/index.js';
import {
  planEject,
  sysfsDeletePath,
  type EjectMode,
  type EjectState,
  type EjectStep,
} from './plan-eject.js';

export type { EjectMode, EjectState } from './plan-eject.js';

export interface EjectOutcome {
  state: EjectState;
  message: string;
}

/** One step of the plan: undefined when it worked, else why not. */
async function apply(step: EjectStep): Promise<string | undefined> {
  if (step.kind === 'run') {
    const r = await run(step.command, { allowFailure: true, timeoutMs: 30_000 });
    return r.exitCode === 0
      ? undefined
      : r.stderr.trim() || `${step.command[0]} exit ${r.exitCode}`;
  }
  return writeFile(step.path, step.content).then(
    () => undefined,
    (e: NodeJS.ErrnoException) => `${step.path}: ${e.code ?? e.message}`,
  );
}

export async function ejectCard(
  drive: Drive,
  platform: Platform,
  mode: EjectMode,
): Promise<EjectOutcome | undefined> {
  if (drive.kind === 'image-file' || platform.name !== 'linux') return undefined;
  // The seed went through mtools and the page cache: on the card before anyone pulls it.
  await platform.dropCache(drive);
  const plan = planEject(drive, mode, {
    eject: mode === 'eject' && Boolean(await which('eject')),
    udisksctl: mode === 'power-off' && Boolean(await which('udisksctl')),
    sysfsDelete:
      mode === 'power-off' &&
      (await access(sysfsDeletePath(drive.device)).then(
        () => true,
        () => false,
      )),
  });
  if (plan.note) log.warn(plan.note);
  const failures: string[] = [];
  for (const step of plan.steps) {
    const failure = await apply(step);
    if (failure === undefined) return { state: step.state, message: step.message };
    failures.push(failure);
  }
  if (failures.length)
    log.warn(
      `could not ${mode === 'power-off' ? 'power off' : 'eject'} ${drive.device} (${failures.join('; ')}); it was flushed`,
    );
  return plan.otherwise;
}
