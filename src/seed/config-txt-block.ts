/**
 * `--config-txt` lines (HATs, `gpu_mem`, displays: what HypriotOS's `flash --bootconf` did) in an
 * armada-managed block at the end of the card's config.txt. Pure: which lines are accepted, and
 * config.txt with the block put in, replaced or removed. A re-seed replaces the block, so the
 * same line never piles up.
 */
import { piModels } from '../image/pi-models.js';

export const blockBegin = '# BEGIN armada --config-txt (armada flash/configure replace this block)';
export const blockEnd = '# END armada --config-txt';

/**
 * Keys whose value armada's boot chain depends on (docs/image-layout.md, docs/pi-models.md):
 * each with why it is refused.
 */
const refusedKeys: Record<string, string> = {
  kernel: "the image boots Debian's kernel as vmlinuz, whose modules are on the root file system",
  initramfs: 'the image boots its own initrd.img, which mounts the root file system',
  ramfsfile: 'the image boots its own initrd.img, which mounts the root file system',
  cmdline: "cmdline.txt carries the root partition and consoles armada's first boot relies on",
  os_prefix: 'the firmware would look for the kernel, device trees and overlays elsewhere',
  arm_64bit: 'armada sets it from the architecture of the image',
  upstream_kernel:
    "upstream_kernel=1 makes the firmware pick the Debian kernel's device trees (docs/pi-models.md)",
  start_file: 'the firmware files are chosen per model by the image',
  fixup_file: 'the firmware files are chosen per model by the image',
  kernel_address: "the image's kernel is loaded where the firmware puts it by default",
  device_tree_address:
    "the image's device trees are loaded where the firmware puts them by default",
  include: 'an included file would escape the managed block',
};

/** device_tree= may name only a device tree the image carries for a model armada boots. */
const carriedDeviceTrees = new Set(piModels.filter((m) => m.claimed).map((m) => m.dtb));

export interface ConfigTxtProblem {
  /** Where the line came from: `--config-txt` or `<file>:<line>`. */
  where: string;
  line: string;
  message: string;
}

/** Pure: the problems of lines meant for the block; [] when all are accepted. */
export function configTxtProblems(
  lines: readonly { where: string; line: string }[],
): ConfigTxtProblem[] {
  const problems: ConfigTxtProblem[] = [];
  for (const { where, line: raw } of lines) {
    const line = raw.trim();
    const fail = (message: string) => problems.push({ where, line: raw, message });
    if (/[\r\n]/.test(raw)) {
      fail('one line per value: it contains a line break');
      continue;
    }
    if (!line || line.startsWith('#')) continue;
    if (/^\[[^\][]+\]$/.test(line)) continue;
    const kv = /^([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (!kv) {
      fail('is neither key=value, a [section] filter nor a # comment');
      continue;
    }
    const key = kv[1].toLowerCase();
    const value = kv[2].trim();
    if (key === 'device_tree') {
      if (!carriedDeviceTrees.has(value))
        fail(
          `device_tree= may name only a device tree the image boots with (${[...carriedDeviceTrees].join(', ')}); ` +
            'the firmware picks the right one by itself',
        );
      continue;
    }
    const why = refusedKeys[key];
    if (why) fail(`${key}= is armada's: ${why}`);
  }
  return problems;
}

/** Pure: the lines of the armada block in config.txt, or undefined when it has none. */
export function armadaBlockOf(configTxt: string): string[] | undefined {
  const lines = configTxt.split(/\r?\n/);
  const begin = lines.indexOf(blockBegin);
  const end = lines.indexOf(blockEnd, begin + 1);
  if (begin < 0 || end < 0) return undefined;
  // The block's own '[all]' resets any section left open above it; it is not the user's.
  return lines.slice(begin + 1, end).filter((l, i) => !(i === 0 && l === '[all]'));
}

/**
 * Pure: config.txt with the block holding `lines` at its end (any earlier block removed);
 * with no lines, config.txt without the block. Every other line is kept as it was.
 */
export function withArmadaBlock(configTxt: string, lines: readonly string[]): string {
  const eol = configTxt.includes('\r\n') ? '\r\n' : '\n';
  const all = configTxt.split(/\r?\n/);
  const begin = all.indexOf(blockBegin);
  const end = all.indexOf(blockEnd, begin + 1);
  const kept = begin >= 0 && end >= 0 ? [...all.slice(0, begin), ...all.slice(end + 1)] : all;
  while (kept.length && kept.at(-1) === '') kept.pop();
  const block = lines.length ? [blockBegin, '[all]', ...lines.map((l) => l.trim()), blockEnd] : [];
  return [...kept, ...block].join(eol) + eol;
}
