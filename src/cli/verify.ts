import type { CommandModule } from 'yargs';
import { jsonOption, printResult, type GlobalArgs } from './context.js';
import { bmapChoice } from './flash.js';

interface Args extends GlobalArgs {
  image: string;
  target: string;
  bmap?: string | false | (string | false)[];
  json: boolean;
}

export const verifyCommand: CommandModule<GlobalArgs, Args> = {
  command: 'verify <image> <target>',
  describe:
    'Compare a card (or image file) with an image without writing: the ranges its .bmap maps, else every byte',
  builder: (y) =>
    y
      .positional('image', {
        type: 'string',
        demandOption: true,
        describe: 'Image file or https URL (.img, .xz, .gz, .zst, .zip)',
      })
      .positional('target', {
        type: 'string',
        demandOption: true,
        describe: 'Card device (/dev/sdX) or image file to compare with it',
      })
      .options({
        bmap: {
          type: 'string',
          describe:
            'Block map to use (default: found next to the image or inside the zip); --no-bmap compares every byte',
        },
        ...jsonOption,
      })
      .example('sudo $0 verify armada.img.xz /dev/sdb', 'Does the card hold this image?'),
  handler: async (argv) => {
    const { verifyCard, formatVerify, verifyFailure } = await import('../commands/verify.js');
    const result = await verifyCard({
      image: argv.image,
      target: argv.target,
      bmap: bmapChoice(argv.bmap),
    });
    const failure = verifyFailure(result);
    printResult(
      argv,
      result,
      () => formatVerify(result),
      failure && { error: failure, stream: 'stderr' },
    );
    if (failure) process.exitCode = failure.exitCode;
  },
};
