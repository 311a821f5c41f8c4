/**
 * Several kernels in one place (a root filesystem, a disk image, a package): read the newest
 * one's config and say which file it came from and which others were found.
 */
import { UserError } from '../errors.js';
import { orderCandidates, type Candidate } from './candidates.js';
import { compareVersions, parseKernelConfig, type KernelConfig } from './config.js';
import { extractConfig, type Extracted } from './extract.js';

export interface Picked {
  candidate: Candidate;
  extracted: Extracted;
  config: KernelConfig;
  /** The other kernel files found (not checked). */
  others: string[];
  /** Candidates tried before and skipped, with why (e.g. a newer kernel without IKCONFIG). */
  warnings: string[];
}

interface Tried {
  candidate: Candidate;
  extracted: Extracted;
  config: KernelConfig;
}

async function attempt(c: Candidate, warnings: string[]): Promise<Tried | undefined> {
  try {
    const extracted = await extractConfig(await c.load(), c.label);
    return { candidate: c, extracted, config: parseKernelConfig(extracted.text) };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    warnings.push(error.message);
    return undefined;
  }
}

/** The version to compare: the config header's, else the one in the file name. */
const versionOf = (t: Tried) => t.config.version ?? t.candidate.version ?? '';

export async function pickNewest(candidates: readonly Candidate[], where: string): Promise<Picked> {
  const ordered = orderCandidates(candidates);
  const warnings: string[] = [];
  const found: Tried[] = [];
  // Named candidates are in version order: the first that reads is the newest named kernel.
  for (const c of ordered.filter((x) => x.version !== undefined)) {
    const t = await attempt(c, warnings);
    if (t) {
      found.push(t);
      break;
    }
  }
  // kernel8.img and friends carry no version in their name: read each to learn it. Most have
  // no IKCONFIG (Raspberry Pi OS builds it as configs.ko), which is only worth a word if
  // nothing else is found.
  const unnamedProblems: string[] = [];
  for (const c of ordered.filter((x) => x.version === undefined)) {
    const t = await attempt(c, unnamedProblems);
    if (t) found.push(t);
  }
  const best = found.reduce<Tried | undefined>(
    (a, b) => (!a || compareVersions(versionOf(b), versionOf(a)) > 0 ? b : a),
    undefined,
  );
  if (!best) {
    throw new UserError(
      candidates.length
        ? `${where}: found ${candidates.length} kernel file(s) but no readable kernel config; give the config file (boot/config-<version>) instead`
        : `${where}: no kernel found (looked for boot/config-*, lib/modules/*/kernel/kernel/configs.ko*, vmlinuz-*, kernel*.img)`,
      [...warnings, ...unnamedProblems],
    );
  }
  // Files of the checked kernel (its config beside its vmlinuz) are not other kernels.
  const sameKernel = (c: Candidate) => {
    if (c.version !== undefined) return c.version === best.candidate.version;
    const read = found.find((t) => t.candidate === c);
    return read !== undefined && versionOf(read) === versionOf(best);
  };
  const others = ordered.filter((c) => c !== best.candidate && !sameKernel(c));
  return { ...best, others: others.map((c) => c.label), warnings };
}
