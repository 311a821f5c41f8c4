/**
 * IKCONFIG: with CONFIG_IKCONFIG the build embeds the gzip'd .config between the markers
 * IKCFG_ST and IKCFG_ED (kernel/configs.c), in the kernel image or in configs.ko. Pure.
 */
import { GzipError, gunzipMember } from './gzip.js';
import { offsetsOf } from './zboot.js';

const start = Buffer.from('IKCFG_ST');
const end = Buffer.from('IKCFG_ED');

export class IkconfigCorruptError extends Error {}

/** The config text embedded in `bytes` (already decompressed), or undefined when there is none. */
export function extractIkconfig(bytes: Buffer): string | undefined {
  let lastProblem: string | undefined;
  // The marker string can also appear in unrelated data; try each occurrence that holds gzip.
  for (const at of offsetsOf(bytes, start, 16)) {
    const body = at + start.length;
    if (bytes[body] !== 0x1f || bytes[body + 1] !== 0x8b) continue;
    try {
      // The gzip member carries its own length and CRC, so IKCFG_ED need not be looked for.
      return gunzipMember(bytes, body, 64 << 20).data.toString('utf8');
    } catch (error) {
      if (!(error instanceof GzipError)) throw error;
      lastProblem = error.message;
    }
  }
  if (lastProblem)
    throw new IkconfigCorruptError(
      `the embedded kernel config (IKCONFIG) is unreadable: ${lastProblem}`,
    );
  return undefined;
}

/** Build an IKCONFIG blob the way kernel/configs.c lays it out (tests and fixtures). */
export function ikconfigBlob(gzippedConfig: Buffer): Buffer {
  return Buffer.concat([start, gzippedConfig, end]);
}
