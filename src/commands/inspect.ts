/**
 * `armada inspect <image|card>`: what is on an image file or card, read without mounting.
 */
import { log } from '../log.js';
import { formatInspect } from '../inspect/format.js';
import { inspectTarget } from '../inspect/read.js';
import type { InspectReport } from '../inspect/types.js';

export interface InspectOptions {
  target: string;
}

export async function inspect(opts: InspectOptions): Promise<InspectReport> {
  return inspectTarget(opts.target);
}

/** Warnings go to stderr in both modes, so --json output stays one document. */
export function reportWarnings(report: InspectReport): void {
  for (const w of report.warnings) log.warn(w);
}

export { formatInspect };
