/**
 * `armada drives`: the drives armada sees and, for each one it would refuse to flash, why.
 */
import { realpath } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { formatBytes } from '../format-bytes.js';
import { drivesHoldingPaths } from '../flash/holders.js';
import { currentPlatform, type Platform } from '../flash/platform/index.js';
import { assessDrives } from '../flash/targets.js';

export interface DrivesOptions {
  /** Also list drives armada refuses to write, with the reasons. */
  all: boolean;
  allowVirtual?: boolean;
  platform?: Platform;
}

export interface DriveReport {
  device: string;
  description: string;
  sizeBytes: number;
  bus: string | null;
  removable: boolean;
  readOnly: boolean;
  mountpoints: string[];
  flashable: boolean;
  /** Why it may not be flashed (empty when it may). */
  reasons: string[];
  /** Asked before writing (very large drives). */
  needsConfirmation?: string;
}

export interface DrivesReport {
  drives: DriveReport[];
  /** Drives left out because they may not be flashed (without --all). */
  hidden: number;
}

export async function listDrivesReport(opts: DrivesOptions): Promise<DrivesReport> {
  const platform = opts.platform ?? (await currentPlatform());
  const drives = await platform.listDrives();
  const paths = await Promise.all(
    [fileURLToPath(import.meta.url), process.execPath].map((p) => realpath(p).catch(() => p)),
  );
  const sourceDevices = [
    ...new Set([
      ...(await platform.holdersOf(paths, drives)),
      ...drivesHoldingPaths(paths, drives),
    ]),
  ];
  const assessed = assessDrives(drives, {
    sourceDevices,
    allowVirtual: opts.allowVirtual ?? false,
    allowLarge: false,
  });
  const reports = assessed.map(({ drive, verdict }): DriveReport => ({
    device: drive.device,
    description: drive.description,
    sizeBytes: drive.sizeBytes,
    bus: drive.bus ?? null,
    removable: drive.removable,
    readOnly: drive.readOnly,
    mountpoints: drive.mountpoints,
    flashable: verdict.ok,
    reasons: verdict.ok ? [] : verdict.reasons,
    ...(verdict.ok && verdict.needsConfirmation
      ? { needsConfirmation: verdict.needsConfirmation }
      : {}),
  }));
  const shown = opts.all ? reports : reports.filter((r) => r.flashable);
  return { drives: shown, hidden: reports.length - shown.length };
}

export function formatDrives(report: DrivesReport): string {
  const rows = [['DEVICE', 'SIZE', 'BUS', 'REMOVABLE', 'MOUNTED AT', 'DESCRIPTION']];
  for (const d of report.drives) {
    rows.push([
      d.device,
      formatBytes(d.sizeBytes),
      d.bus ?? '-',
      d.removable ? 'yes' : 'no',
      d.mountpoints.join(', ') || '-',
      d.description || '-',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines: string[] = [];
  rows.forEach((r, i) => {
    lines.push(
      r
        .map((cell, j) => (j === r.length - 1 ? cell : cell.padEnd(widths[j])))
        .join('  ')
        .trimEnd(),
    );
    const d = i > 0 ? report.drives[i - 1] : undefined;
    if (d && !d.flashable) lines.push(`    refused: ${d.reasons.join('; ')}`);
    if (d?.needsConfirmation) lines.push(`    asks first: larger than any usual SD card`);
  });
  if (!report.drives.length) lines.push('(no drive armada may write; insert a card)');
  if (report.hidden)
    lines.push(
      `${report.hidden} drive(s) armada will not write are hidden; --all shows them and why`,
    );
  return lines.join('\n');
}
