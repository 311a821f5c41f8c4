/**
 * `armada check-kernel <source>`: can this kernel run Docker (and Open vSwitch)? Reads the
 * config from whatever the source is, checks it against kernel-config/, and reports.
 */
import { UsageError, type CheckFailedError } from '../errors.js';
import { log } from '../log.js';
import { checkKernelConfig, type CheckResult } from '../kernel/check.js';
import { checkFailedError, formatCheckResult } from '../kernel/format.js';
import { defaultKernelGroups } from '../build/packages.js';
import { readKernelConfig, type SourceKind } from '../kernel/read.js';
import { loadRequirements, requirableFeatures } from '../kernel/requirements.js';

export interface CheckKernelOptions {
  source: string;
  /** Features that become required, e.g. ['ovs']. */
  require?: readonly string[];
}

/** The --json document. */
export interface CheckKernelReport extends CheckResult {
  source: string;
  kind: SourceKind;
  /** The file the config came from (inside the source for packages, directories and images). */
  file: string;
  fileKind: string;
  /** Other kernels found in the source; only the newest was checked. */
  otherKernels: string[];
  /** The cmdline.txt that was checked, if one was found. */
  cmdlineFile?: string;
}

export async function checkKernel(opts: CheckKernelOptions): Promise<CheckKernelReport> {
  const require = [...new Set(opts.require ?? [])];
  const known = requirableFeatures(loadRequirements());
  const unknown = require.filter((r) => !known.includes(r));
  // Fail on a typo before reading a multi-GB image.
  if (unknown.length)
    throw new UsageError(
      `unknown --require ${unknown.join(', ')}; choose from: ${known.join(', ')}`,
    );

  const src = await readKernelConfig(opts.source);
  const result = checkKernelConfig(src.config, {
    require,
    ...(src.cmdline ? { cmdline: src.cmdline.text } : {}),
  });
  if (src.others.length)
    log.info(`found ${src.others.length + 1} kernels; checking the newest, ${src.file}`);
  return {
    ...result,
    kernelVersion: result.kernelVersion ?? src.version,
    warnings: [...src.warnings, ...result.warnings],
    source: src.source,
    kind: src.kind,
    file: src.file,
    fileKind: src.fileKind,
    otherKernels: src.others,
    ...(src.cmdline ? { cmdlineFile: src.cmdline.file } : {}),
  };
}

export function formatCheckKernel(report: CheckKernelReport): string {
  const text = formatCheckResult(report, {
    kind: report.kind,
    source: report.source,
    file: report.file,
  });
  const extra: string[] = [];
  if (report.otherKernels.length)
    extra.push(`other kernels found (not checked): ${report.otherKernels.join(', ')}`);
  if (report.cmdlineFile) extra.push(`kernel command line checked: ${report.cmdlineFile}`);
  const buildNeeds = defaultKernelGroups.filter((g) => !report.require.includes(g));
  if (buildNeeds.length)
    extra.push(
      `a default 'armada build' also requires: ${buildNeeds.join(', ')} (check with --require ${buildNeeds.join(' --require ')})`,
    );
  if (!extra.length) return text;
  // Keep the summary as the last line.
  const lines = text.split('\n');
  return [...lines.slice(0, -1), ...extra, lines.at(-1)!].join('\n');
}

export function checkKernelFailure(report: CheckKernelReport): CheckFailedError {
  return checkFailedError(report);
}
