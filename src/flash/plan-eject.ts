/**
 * Pure: how a written card leaves this machine (Linux), as data: the commands (or sysfs write) to
 * try in order, and what to say when none applies or all fail. The caches are flushed first
 * (eject.ts), so the card is safe to remove whatever happens here.
 *
 * The default is what desktop file managers do (udisks' Drive.Eject runs util-linux `eject`):
 * the medium is ejected (SCSI START STOP UNIT with LoEj) and the reader stays attached, so with
 * one reader and many cards the next card shows up by itself. `--power-off` powers the reader
 * off instead, as Etcher and Raspberry Pi Imager do (`udisksctl power-off`, else the kernel is
 * told to let go of the SCSI device through `/sys/block/<dev>/device/delete`); the reader then
 * shows the next card only once it is plugged in again. A built-in SD slot (mmc) and other
 * buses have nothing to eject, and a loop device is not a card.
 */
import { basename } from 'node:path';
import type { Command } from '../exec.js';
import type { Drive } from './drive.js';

/** eject: the medium (default); power-off: the USB reader; none: --no-eject, flushed only. */
export type EjectMode = 'eject' | 'power-off' | 'none';

/** ejected: the medium, reader attached; powered-off / detached: the reader; attached: flushed. */
export type EjectState = 'ejected' | 'powered-off' | 'detached' | 'attached';

export interface EjectTools {
  /** util-linux `eject` is installed. */
  eject: boolean;
  udisksctl: boolean;
  /** `/sys/block/<dev>/device/delete` exists (a SCSI disk, as USB readers present cards). */
  sysfsDelete: boolean;
}

export type EjectStep =
  | { kind: 'run'; command: Command; state: 'ejected' | 'powered-off'; message: string }
  | { kind: 'write'; path: string; content: string; state: 'detached'; message: string };

export interface EjectPlan {
  /** Tried in order; the first that succeeds ends the card's run. */
  steps: EjectStep[];
  /** What the card is when no step applies or every step failed (it was flushed all the same). */
  otherwise: { state: 'attached'; message: string };
  /** Said once before the steps, when a tool that would do better is missing. */
  note?: string;
}

const safe = 'flushed: safe to remove';

export function ejectCommand(device: string): Command {
  // No options: eject unmounts whatever a desktop automounted meanwhile, then ejects the medium.
  return ['eject', [device]];
}

export function powerOffCommand(device: string): Command {
  return ['udisksctl', ['power-off', '--block-device', device, '--no-user-interaction']];
}

/** Pure: the sysfs file that detaches a SCSI disk (`/dev/sdb` → `/sys/block/sdb/device/delete`). */
export function sysfsDeletePath(device: string): string {
  return `/sys/block/${basename(device)}/device/delete`;
}

/** Does this drive sit in a reader armada may eject or power off? */
function inUsbReader(drive: Drive): boolean {
  return drive.kind === 'disk' && !drive.system && drive.bus === 'usb';
}

function leftAttached(drive: Drive): string {
  if (drive.kind !== 'disk') return `${safe} (a ${drive.kind} device: nothing to eject)`;
  if (drive.bus === 'mmc') return `${safe} (a built-in card slot: nothing to eject)`;
  return safe;
}

export function planEject(drive: Drive, mode: EjectMode, tools: EjectTools): EjectPlan {
  if (mode === 'none')
    return {
      steps: [],
      otherwise: { state: 'attached', message: 'flushed and left attached (--no-eject)' },
    };
  const otherwise = { state: 'attached' as const, message: leftAttached(drive) };
  if (!inUsbReader(drive)) return { steps: [], otherwise };
  if (mode === 'eject') {
    if (!tools.eject)
      return {
        steps: [],
        otherwise,
        note: `cannot eject ${drive.device}: 'eject' is not installed (apt install eject); it was flushed, so it is safe to remove`,
      };
    return {
      steps: [
        {
          kind: 'run',
          command: ejectCommand(drive.device),
          state: 'ejected',
          message: 'ejected: safe to remove (the reader stays; the next card shows up by itself)',
        },
      ],
      otherwise,
    };
  }
  return {
    steps: [
      ...(tools.udisksctl
        ? [
            {
              kind: 'run' as const,
              command: powerOffCommand(drive.device),
              state: 'powered-off' as const,
              message: 'reader powered off: safe to remove (plug it in again for the next card)',
            },
          ]
        : []),
      ...(tools.sysfsDelete
        ? [
            {
              kind: 'write' as const,
              path: sysfsDeletePath(drive.device),
              content: '1',
              state: 'detached' as const,
              message: 'reader detached: safe to remove (plug it in again for the next card)',
            },
          ]
        : []),
    ],
    otherwise,
  };
}
