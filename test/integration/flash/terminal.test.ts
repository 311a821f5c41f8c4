/**
 * `armada flash` on a person's terminal (a pseudo-terminal from `script`): listr2's live display,
 * the questions, and Ctrl-C typed while a card is being written.
 */
import { createReadStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildCli } from '../../helpers/cli.js';
import { describeNeeds, toolsReason } from '../../helpers/needs.js';
import { testImage, type TestImage } from '../../helpers/test-image.js';
import { expectCardHoldsImage, hasPartitionTable } from './card-check.js';
import { flashSuite } from './suite.js';
import { inTerminal, plainText } from './terminal.js';

const MiB = 1 << 20;

/** Serves `file`'s first `bytes`, then keeps the response open: a download that stalls mid-image. */
function stallingServer(file: string, bytes: number): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.statusCode = 200;
    createReadStream(file, { end: bytes - 1 }).pipe(res, { end: false });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }),
    ),
  );
}

describeNeeds({ root: true, unless: toolsReason('script') }, 'armada flash on a terminal', () => {
  const suite = flashSuite('armada-flash-tty-');
  let image: TestImage;
  let http: { url: string; server: Server };
  beforeAll(async () => {
    image = await testImage(join(suite.dir(), 'image'));
    // 4 MiB of the xz: past the head armada reads first, well short of the whole image.
    http = await stallingServer(image.xz, 4 * MiB);
    await buildCli();
  });
  afterAll(() => {
    http?.server.closeAllConnections();
    http?.server.close();
  });

  it('Ctrl-C while writing: the live display stops, then the interrupt is the last line, exit 4', async () => {
    const card = await suite.card('tty-sigint.bin', 136 * MiB);
    const term = inTerminal([
      'flash',
      `${http.url}/pi.img.xz`,
      card.device,
      '--yes',
      '--allow-virtual',
      '--no-seed',
      '--no-bmap',
      '--allow-http',
      '--no-checksum',
    ]);
    // The source stalls after its first MiBs: the card is being written, and stays so.
    await term.waitFor(`Write ${http.url}/pi.img.xz to ${card.device}`);
    await term.waitFor(/writing \d/);
    term.type('\x03');
    const code = await term.exit();
    const raw = term.output();
    expect(code, raw).toBe(4);
    const lines = plainText(raw).trimEnd().split('\n');
    expect(lines.at(-1), raw).toBe(
      'armada: interrupted by SIGINT; everything armada started was cleaned up',
    );
    // The display hid the cursor while it drew; it is shown again before armada's last word.
    const hidden = raw.lastIndexOf('\x1b[?25l');
    if (hidden >= 0) expect(raw.lastIndexOf('\x1b[?25h')).toBeGreaterThan(hidden);
    expect(await hasPartitionTable(card.device)).toBe(false);
  });

  it("after choosing the card, the erase question echoes 'yes' once", async () => {
    const card = await suite.card('tty-choose.bin', 136 * MiB);
    const term = inTerminal(['flash', image.img, '--allow-virtual', '--no-seed']);
    await term.waitFor('Write to which?');
    // Other loop devices may be offered too: answer with this card's number.
    const offered = new RegExp(`\\n\\s*(\\d+)\\) ${card.device} `).exec(plainText(term.output()));
    expect(offered, term.output()).not.toBeNull();
    term.type(`${offered![1]}\r`);
    const question = "Type 'yes' to continue: ";
    await term.waitFor(question);
    term.type('yes\r');
    const code = await term.exit(120_000);
    const shown = plainText(term.output());
    expect(code, shown).toBe(0);
    const answered = shown.slice(shown.indexOf(question) + question.length);
    expect(JSON.stringify(answered.slice(0, answered.indexOf('\n')))).toBe(JSON.stringify('yes'));
    await expectCardHoldsImage(card.device, image, suite.dir());
  });
});
