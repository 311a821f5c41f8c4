/**
 * Human output for a check: a table per group under its label (kernel-config/*.json says what
 * each group is for), then warnings and one summary line. Pure.
 */
import { CheckFailedError } from '../errors.js';
import type { CheckResult, GroupResult } from './check.js';

/** Where the config came from, for the heading (see readKernelConfig). */
export interface ConfigOrigin {
  kind: string;
  source: string;
  file: string;
}

const stateText = (state: string, severity: string) =>
  state === 'missing' ? (severity === 'required' ? 'MISSING' : 'missing') : state;

function formatGroup(g: GroupResult, width: number): string[] {
  const lines = [`${g.label} (${g.severity})`];
  for (const o of g.options) {
    const note = o.state === 'missing' && o.note ? `  (${o.note})` : '';
    lines.push(
      `  ${stateText(o.state, g.severity).padEnd(7)}  CONFIG_${o.name.padEnd(width)}${note}`.trimEnd(),
    );
  }
  return lines;
}

function counts(result: CheckResult) {
  const required = result.groups.filter((g) => g.severity === 'required');
  const optional = result.groups.filter((g) => g.severity === 'optional');
  return {
    required: required.reduce((n, g) => n + g.options.length, 0),
    optionalMissing: optional.reduce((n, g) => n + g.missing.length, 0),
  };
}

function kernelLabel(result: Pick<CheckResult, 'kernelVersion' | 'arch'>): string {
  return `kernel ${result.kernelVersion ?? '(unknown version)'}${result.arch ? ` (${result.arch})` : ''}`;
}

export function summaryLine(result: CheckResult): string {
  const c = counts(result);
  const optional = c.optionalMissing
    ? `; ${c.optionalMissing} optional missing`
    : '; nothing optional missing';
  if (result.ok)
    return `ok: ${kernelLabel(result)} has all ${c.required} required options${optional}`;
  // The table above marks each one MISSING: listing them again here is noise.
  return `FAILED: ${kernelLabel(result)} lacks ${result.missingRequired.length} of ${c.required} required options (marked MISSING above)`;
}

export function formatCheckResult(result: CheckResult, origin?: ConfigOrigin): string {
  const width = Math.max(0, ...result.groups.flatMap((g) => g.options.map((o) => o.name.length)));
  const lines: string[] = [];
  if (origin) {
    const where =
      origin.file === origin.source ? origin.file : `${origin.file} in ${origin.source}`;
    lines.push(`${kernelLabel(result)}: config from ${where} (${origin.kind})`, '');
  }
  for (const g of result.groups) lines.push(...formatGroup(g, width), '');
  for (const w of result.cmdline) lines.push(`warning: ${w.message}; ${w.fix}`);
  for (const w of result.warnings) lines.push(`warning: ${w}`);
  lines.push(summaryLine(result));
  return lines.join('\n');
}

/** Exit 3, naming each missing required option and its group. */
export function checkFailedError(result: CheckResult): CheckFailedError {
  const n = result.missingRequired.length;
  return new CheckFailedError(
    `${kernelLabel(result)} lacks ${n} required option${n === 1 ? '' : 's'}; rebuild the kernel with ${n === 1 ? 'it' : 'them'} (=y or =m) or choose another kernel`,
    result.missingRequired.map((m) => `CONFIG_${m.option} (${m.label})`),
  );
}
