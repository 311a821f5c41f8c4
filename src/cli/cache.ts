import type { CommandModule } from 'yargs';
import { UsageError } from '../errors.js';
import { parseAge, parseSize } from '../cache/policy.js';
import { jsonOption, printResult, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  json: boolean;
  all?: boolean;
  'max-size'?: string;
  'older-than'?: string;
  'dry-run'?: boolean;
}

const ls: CommandModule<GlobalArgs, Args> = {
  command: ['ls', '$0'],
  describe: 'List the stages, package files and downloads in the cache, with size and last use',
  builder: (y) => y.options(jsonOption),
  handler: async (argv) => {
    const { listCacheReport, formatCacheList } = await import('../commands/cache.js');
    const report = await listCacheReport();
    printResult(argv, report, () => formatCacheList(report));
  },
};

const prune: CommandModule<GlobalArgs, Args> = {
  command: 'prune',
  describe:
    'Remove old stages (least recently used first), superseded packages and stale leftovers',
  builder: (y) =>
    y
      .options({
        ...jsonOption,
        all: {
          type: 'boolean',
          describe:
            'Remove everything not used within the last hour (a build may be using that; the output names it); the next build downloads again',
        },
        'max-size': {
          type: 'string',
          describe: 'Budget for all stages together, e.g. 4G (default 8G)',
        },
        'older-than': {
          type: 'string',
          describe: 'Remove what was unused this long, e.g. 7d (default 30d)',
        },
        'dry-run': { type: 'boolean', describe: 'Only say what would be removed' },
      })
      .example('$0 cache prune --max-size 3G', 'Keep the two most recently used stages')
      .example('$0 cache prune --all --dry-run', ''),
  handler: async (argv) => {
    const maxSize = argv['max-size'];
    const olderThan = argv['older-than'];
    const maxStageBytes = maxSize === undefined ? undefined : parseSize(maxSize);
    if (maxSize !== undefined && maxStageBytes === undefined)
      throw new UsageError(`--max-size ${maxSize} is not a size; write it like 4G or 500M`);
    const maxAgeMs = olderThan === undefined ? undefined : parseAge(olderThan);
    if (olderThan !== undefined && maxAgeMs === undefined)
      throw new UsageError(`--older-than ${olderThan} is not a duration; write it like 7d or 12h`);
    const { pruneCache, formatPrune } = await import('../commands/cache.js');
    const report = await pruneCache({
      ...(argv.all ? { all: true } : {}),
      ...(maxStageBytes !== undefined ? { maxStageBytes } : {}),
      ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
      ...(argv['dry-run'] ? { dryRun: true } : {}),
    });
    printResult(argv, report, () => formatPrune(report));
  },
};

export const cacheCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'cache',
  describe: 'Show and prune the build cache (ARMADA_CACHE_DIR, default ~/.cache/armada)',
  builder: (y) => y.command(ls).command(prune),
  handler: () => undefined,
};
