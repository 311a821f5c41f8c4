/**
 * cmdline.txt of a base, fixed for Docker: the memory cgroup on (Raspberry Pi kernels disable it
 * by default), the base's one-shot first-boot hooks out (armada's first boot takes over, see
 * plan-style.ts), everything else kept as the base had it. Pure.
 */
import { styleMarkers } from './plan-style.js';

const memoryCgroupParams = ['cgroup_enable=memory', 'cgroup_memory=1'] as const;

/**
 * Parameters that only ran the base's first boot: the `init=` hooks, rpi-imager's firstrun.sh
 * (`systemd.run*`, `systemd.unit=kernel-command-line.target`) and cloud-init's NoCloud source.
 */
function isFirstBootHook(token: string): boolean {
  if (styleMarkers['sys-mods'].initHooks.some((h) => token === `init=${h}`)) return true;
  if (/^systemd\.run(_success_action|_failure_action)?=/.test(token)) return true;
  if (token === 'systemd.unit=kernel-command-line.target') return true;
  return token.startsWith('ds=nocloud');
}

export interface CmdlineFix {
  text: string;
  removed: string[];
  added: string[];
}

export function fixCmdline(original: string): CmdlineFix {
  // cmdline.txt is one line; the firmware ignores anything after the first line break.
  const firstLine = original.split(/\r?\n/)[0] ?? '';
  // Tokens as written (quotes kept): what is not ours to change goes back unchanged.
  const tokens = firstLine.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
  const removed = tokens.filter(
    (t) => isFirstBootHook(t) || t === 'cgroup_disable=memory' || t === 'cgroup_memory=0',
  );
  const kept = tokens.filter((t) => !removed.includes(t));
  const added = memoryCgroupParams.filter((p) => !kept.includes(p));
  return { text: [...kept, ...added].join(' ') + '\n', removed, added };
}
