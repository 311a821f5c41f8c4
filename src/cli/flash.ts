import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { configDir } from '../config-dir.js';
import { trustedKeysPath } from '../sign/sshsig.js';
import { UsageError } from '../errors.js';
import type { BmapChoice } from '../flash/find-bmap.js';
import type { EjectMode } from '../flash/plan-eject.js';
import { jsonOption, printResult, type GlobalArgs } from './context.js';
import { seedFlagsWithSecrets, seedOptions, type SeedArgs } from './seed-options.js';
import { targetOptions, targetRulesFrom, type TargetArgs } from './target-options.js';

interface Args extends GlobalArgs, SeedArgs, TargetArgs {
  image: string;
  devices: string[];
  yes: boolean;
  verify: boolean;
  eject: boolean;
  powerOff?: boolean;
  /** A path, false for --no-bmap; an array when given more than once (or with --no-bmap). */
  bmap?: string | false | (string | false)[];
  seed: boolean;
  // yargs fills the camel-case twins of dashed flags at run time; its types only know the dashed ones.
  allowHttp?: boolean;
  sha256?: string;
  sha256sums?: string;
  checksum: boolean;
  trustedKeys?: string;
  requireSignature?: boolean;
  json: boolean;
}

/** Pure: --eject (default), --power-off or --no-eject; --no-eject with --power-off contradicts. */
export function ejectMode(eject: boolean, powerOff: boolean): EjectMode {
  if (!eject && powerOff)
    throw new UsageError(
      '--no-eject leaves the card attached, so --power-off would be ignored; give one of them',
    );
  return !eject ? 'none' : powerOff ? 'power-off' : 'eject';
}

export function bmapChoice(value: Args['bmap']): BmapChoice {
  if (Array.isArray(value))
    throw new UsageError(
      value.includes(false)
        ? '--bmap and --no-bmap contradict each other; give one of them'
        : '--bmap is given more than once; give one block map',
    );
  if (value === false) return { mode: 'none' };
  if (value === '')
    throw new UsageError(
      '--bmap needs a file, e.g. --bmap pi.img.bmap (or --no-bmap to write every byte)',
    );
  return value === undefined ? { mode: 'discover' } : { mode: 'file', path: value };
}

export const flashCommand: CommandModule<GlobalArgs, Args> = {
  command: 'flash <image> [devices..]',
  describe:
    'Write an image (file or URL; .img, .xz, .gz, .zst, .zip) to one or more SD cards, verify it, then seed it',
  builder: (y) =>
    y
      .positional('image', {
        type: 'string',
        demandOption: true,
        describe: 'Image file or https URL',
      })
      .positional('devices', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe:
          "Cards to write (see 'armada drives'), or a new image file (out.img) to write instead; none: choose interactively",
      })
      .options({
        yes: {
          alias: 'y',
          type: 'boolean',
          default: false,
          describe: 'Erase the named cards without asking',
        },
        verify: {
          type: 'boolean',
          default: true,
          describe: 'Read the card back and compare (--no-verify skips it)',
        },
        bmap: {
          type: 'string',
          describe:
            'Block map to use (default: found next to the image or inside the zip); --no-bmap writes every byte',
        },
        eject: {
          type: 'boolean',
          default: true,
          describe:
            'Linux: eject the card from its USB reader when done, the reader stays for the next card (--no-eject leaves it attached, flushed)',
        },
        'power-off': {
          type: 'boolean',
          default: false,
          describe:
            'Linux: power the USB reader off instead of ejecting the card (re-plug it for the next card)',
        },
        seed: {
          type: 'boolean',
          default: true,
          describe: 'Write the first-boot seed after the image (--no-seed writes the image only)',
        },
        sha256: {
          type: 'string',
          describe:
            "The image file's sha256 (as published with it); checked before the card is bootable",
        },
        sha256sums: {
          type: 'string',
          describe: 'SHA256SUMS file or URL listing the image (default: the one next to the image)',
        },
        checksum: {
          type: 'boolean',
          default: true,
          describe:
            'Check the image against SHA256SUMS or --sha256 (--no-checksum: a download may go unchecked)',
        },
        'allow-http': {
          type: 'boolean',
          default: false,
          describe: 'Accept plain http:// URLs (anyone on the way can alter them)',
        },
        'trusted-keys': {
          type: 'string',
          describe:
            'OpenSSH public keys (one per line) whose signature of SHA256SUMS (SHA256SUMS.sig) is trusted (default: <config dir>/trusted-keys)',
        },
        'require-signature': {
          type: 'boolean',
          default: false,
          describe: 'Refuse an image whose SHA256SUMS is not signed by a trusted key',
        },
        ...targetOptions,
        ...seedOptions,
        ...jsonOption,
      })
      .example('sudo $0 flash armada.img.xz /dev/sdb --yes --hostname pi-1', '')
      .example('$0 flash armada.img.xz pi-1.img --hostname pi-1', '')
      .example(
        'sudo $0 flash https://example.org/armada.img.zst /dev/sdb /dev/sdc --yes --hostname pi-{n}',
        '',
      ),
  handler: async (argv) => {
    const { runFlash, CardsFailedError } = await import('../commands/flash.js');
    const { formatFlashResult, flashJson } = await import('./flash-result.js');
    const { canAsk, terminalQuestions } = await import('./prompt.js');
    const result = await runFlash({
      ...(canAsk() ? { questions: terminalQuestions } : {}),
      image: argv.image,
      devices: argv.devices.map(String),
      yes: argv.yes,
      verify: argv.verify,
      eject: ejectMode(argv.eject, argv.powerOff ?? false),
      bmap: bmapChoice(argv.bmap),
      ...targetRulesFrom(argv),
      checksum: {
        ...(argv.sha256 === undefined ? {} : { sha256: argv.sha256 }),
        ...(argv.sha256sums === undefined ? {} : { sums: argv.sha256sums }),
        skip: !argv.checksum,
        allowHttp: argv.allowHttp ?? false,
        signature: {
          trustedKeys: resolve(argv.trustedKeys ?? trustedKeysPath(await configDir())),
          require: argv.requireSignature,
        },
      },
      ...(argv.seed ? { seed: await seedFlagsWithSecrets(argv) } : {}),
    }).catch((error: unknown) => {
      // Some cards failed, others were written: those still get their summary (and seed), and
      // --json lists every card's outcome; the error then ends the run as usual (its exit code).
      if (error instanceof CardsFailedError && error.result) {
        const partial = error.result;
        printResult(argv, flashJson(partial, error), () => formatFlashResult(partial, error), {
          error,
        });
      }
      throw error;
    });
    printResult(argv, flashJson(result), () => formatFlashResult(result));
  },
};
