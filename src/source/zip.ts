/**
 * The one zip reader: unzipper, in-process. flash streams a zip from a URL straight to the cards,
 * which needs a reader that takes the archive as it arrives; the `unzip` tool wants the whole
 * file first (its index is at the end). build --base reads local zips the same way, so no host
 * tool is needed for zips at all.
 */
import type { CentralDirectory, ParseStream } from 'unzipper';

/** Loaded only for zips: unzipper and its dependencies take ~90 ms to load on a busy machine. */
const loadUnzipper = async () => (await import('unzipper')).default;

/** A local archive's directory (read from its end); rejects when the archive is cut or damaged. */
export async function openZip(path: string): Promise<CentralDirectory> {
  return (await loadUnzipper()).Open.file(path);
}

/** A parser for a zip arriving as a stream: it emits each entry as it is reached. */
export async function zipParser(): Promise<ParseStream> {
  return (await loadUnzipper()).Parse();
}
