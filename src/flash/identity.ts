/**
 * Time of check, time of use: between listing the drives and opening one, a card can be swapped
 * (at the prompt, say). Once the device is open, what it is cannot change any more: compare it
 * with what was checked. Pure.
 */
import type { Drive } from './drive.js';
import { formatBytes } from '../format-bytes.js';

export interface OpenedIdentity {
  /** major:minor of the open file descriptor's device. */
  devNumber?: string;
  /** Size of the device behind it now. */
  sizeBytes?: number;
  serial?: string;
}

export function identityProblems(checked: Drive, opened: OpenedIdentity): string[] {
  const problems: string[] = [];
  if (checked.devNumber && opened.devNumber && checked.devNumber !== opened.devNumber)
    problems.push(`it is now device ${opened.devNumber}, was ${checked.devNumber}`);
  if (opened.sizeBytes !== undefined && opened.sizeBytes !== checked.sizeBytes)
    problems.push(
      `its size is now ${formatBytes(opened.sizeBytes)}, was ${formatBytes(checked.sizeBytes)}`,
    );
  if (checked.serial && opened.serial !== undefined && opened.serial !== checked.serial)
    problems.push(`its serial number is now '${opened.serial}', was '${checked.serial}'`);
  return problems;
}

export function identityMessage(device: string, problems: readonly string[]): string {
  return `${device} changed after it was checked (${problems.join('; ')}); was the card swapped? Nothing was written: run flash again`;
}
