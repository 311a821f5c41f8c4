/**
 * The armada block of a card's config.txt (FAT partition 1, through mtools): replaced with the
 * validated `--config-txt` lines, or removed, then read back. The rest of config.txt stays.
 */
import { CheckFailedError, UserError } from '../errors.js';
import { log } from '../log.js';
import { readFat, writeFat, type FatVolume } from '../image/fat.js';
import { armadaBlockOf, withArmadaBlock } from './config-txt-block.js';

/** `flush` makes the read-back come from the card, not from the kernel's cache. */
export async function writeConfigTxtBlock(
  v: FatVolume,
  lines: readonly string[],
  flush: () => Promise<void>,
): Promise<void> {
  const before = (await readFat(v, '/config.txt'))?.toString('utf8');
  if (before === undefined)
    throw new UserError(
      `${v.path} has no config.txt on its boot partition; is it an armada image or card?`,
    );
  const after = withArmadaBlock(before, lines);
  const had = armadaBlockOf(before)?.length ?? 0;
  if (after === before) {
    log.info(`config.txt: the armada block already holds these ${lines.length} line(s)`);
    return;
  }
  await writeFat(v, '/config.txt', after);
  await flush();
  const back = (await readFat(v, '/config.txt'))?.toString('utf8');
  if (back !== after)
    throw new CheckFailedError(
      `read-back: config.txt on ${v.path} differs from what was written; the card or reader may be failing`,
    );
  log.info(
    lines.length
      ? `config.txt: armada block ${had ? 'replaced' : 'added'} (${lines.length} line${lines.length === 1 ? '' : 's'})`
      : 'config.txt: armada block removed',
  );
}
