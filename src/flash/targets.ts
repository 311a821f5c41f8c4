/**
 * From what the user named (or picks) to the drives flash will write, with every refusal and
 * every question decided before anything is written. Pure.
 */
import type { Drive } from './drive.js';
import { formatBytes } from '../format-bytes.js';
import { isSafeTarget, type SafetyPolicy, type SafetyVerdict } from './safety.js';

export interface Target {
  drive: Drive;
  /** Set when the drive needs an explicit yes beyond --yes (very large drives). */
  confirm?: string;
}

export type TargetResolution = { ok: true; targets: Target[] } | { ok: false; problems: string[] };

/** 'sdb' → '/dev/sdb'; '/dev/rdisk4' → '/dev/disk4' (both name the same macOS disk). */
export function normalizeDevice(name: string): string {
  const path = name.startsWith('/') ? name : `/dev/${name}`;
  return path.replace(/^\/dev\/rdisk(\d+)$/, '/dev/disk$1');
}

export function describeDrive(d: Drive): string {
  if (d.kind === 'image-file') return `${d.device} (image file)`;
  const what = [d.description, d.bus].filter(Boolean).join(', ');
  return `${d.device} (${[what, formatBytes(d.sizeBytes)].filter(Boolean).join(', ')})`;
}

export function resolveTargets(
  requested: readonly string[],
  drives: readonly Drive[],
  policy: SafetyPolicy,
): TargetResolution {
  const problems: string[] = [];
  const targets: Target[] = [];
  for (const device of [...new Set(requested.map(normalizeDevice))]) {
    const drive = drives.find((d) => d.device === device);
    if (!drive) {
      const parent = drives.find((d) => d.partitions.includes(device));
      problems.push(
        parent
          ? `${device} is a partition; name the whole card, ${parent.device}`
          : `${device}: no such drive; 'armada drives' lists the drives armada sees`,
      );
      continue;
    }
    const verdict = isSafeTarget(drive, policy);
    if (!verdict.ok) problems.push(`${device} refused: ${verdict.reasons.join('; ')}`);
    else
      targets.push({
        drive,
        ...(verdict.needsConfirmation ? { confirm: verdict.needsConfirmation } : {}),
      });
  }
  return problems.length ? { ok: false, problems } : { ok: true, targets };
}

export interface DriveVerdict {
  drive: Drive;
  verdict: SafetyVerdict;
}

export function assessDrives(drives: readonly Drive[], policy: SafetyPolicy): DriveVerdict[] {
  return drives.map((drive) => ({ drive, verdict: isSafeTarget(drive, policy) }));
}

/** '1 3' or '1,3' → [0, 2]; undefined when the answer is not a list of valid choices. */
export function parseChoice(answer: string, count: number): number[] | undefined {
  const words = answer.split(/[\s,]+/).filter(Boolean);
  if (!words.length) return undefined;
  const picks = words.map(Number);
  if (picks.some((n) => !Number.isInteger(n) || n < 1 || n > count)) return undefined;
  return [...new Set(picks.map((n) => n - 1))];
}
