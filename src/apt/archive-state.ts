/**
 * The state of an archive is the sha256 of each source's InRelease: it changes with every point
 * release and security update, and it is one small download per source.
 */
import { createHash } from 'node:crypto';
import { OptionError } from '../errors.js';
import { interruptionSignal, throwIfInterrupted } from '../cleanup.js';
import { inReleaseUrl } from './apt-sources.js';

export async function fetchArchiveState(lines: readonly string[]): Promise<string[]> {
  return Promise.all(
    lines.map(async (line) => {
      const url = inReleaseUrl(line);
      if (!url) return '';
      let res: Response;
      try {
        // Ctrl-C stops the request at once instead of after the timeout.
        const signal = AbortSignal.any([AbortSignal.timeout(20_000), interruptionSignal()]);
        res = await fetch(url, { signal });
      } catch (e) {
        throwIfInterrupted();
        throw new OptionError(
          (o) =>
            `the package mirror is unreachable (${url}: ${(e as Error).message}); check the network or pass ${o('mirror')}`,
        );
      }
      if (!res.ok)
        throw new OptionError(
          (o) =>
            `the package mirror answered ${res.status} for ${url}; check ${o('suite')} and ${o('mirror')}`,
        );
      return createHash('sha256')
        .update(Buffer.from(await res.arrayBuffer()))
        .digest('hex');
    }),
  );
}
