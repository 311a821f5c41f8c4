/**
 * The slim image, planned: dpkg path filters (src/build/slim.json) turned into the dpkg
 * configuration the image carries and into the test "would dpkg have left this file out?",
 * which the slim-rootfs step applies to the packages the bootstrap already unpacked; and the
 * files the image would hold twice, which assemble-image links to the boot partition's copy. Pure.
 */
import data from './slim.json' with { type: 'json' };
import piModules from './pi-modules.json' with { type: 'json' };

export interface SlimRule {
  include: boolean;
  pattern: string;
  group: string;
}

export interface SlimGroup {
  name: string;
  why: string;
  rules: string[];
}

export const slimGroups: readonly SlimGroup[] = data.groups;

export const piModuleGroups: readonly { name: string; why: string; modules: string[] }[] =
  piModules.groups;

export function slimRules(groups: readonly SlimGroup[] = slimGroups): SlimRule[] {
  return groups.flatMap((g) =>
    g.rules.map((r) => {
      const m = /^(include|exclude) (\/\S+)$/.exec(r);
      if (!m) throw new Error(`slim.json group ${g.name}: cannot read rule '${r}'`);
      return { include: m[1] === 'include', pattern: m[2], group: g.name };
    }),
  );
}

/** A file the image would hold twice, as a link in the root to the boot partition's copy. */
export interface BootLink {
  /** Absolute path in the root filesystem. */
  path: string;
  /** The link's text, relative to the link's directory. */
  target: string;
}

export const bootLinksGroup: { name: string; why: string } = data.bootPartitionLinks;

/** The links for one installed kernel version. */
export function bootLinks(version: string): BootLink[] {
  return data.bootPartitionLinks.links.map((l) => ({
    path: l.path.replaceAll('{version}', version),
    target: l.target,
  }));
}

/** dpkg's fnmatch(pattern, path, 0): '*' and '?' also match '/'; [...] classes. */
export function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        const body = pattern
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The group whose rule leaves this absolute path out, or undefined: the last match decides. */
export function excludedBy(path: string, rules: readonly SlimRule[]): string | undefined {
  return compileRules(rules)(path);
}

/** A compiled form for walking tens of thousands of files. */
export function compileRules(rules: readonly SlimRule[]): (path: string) => string | undefined {
  const compiled = rules.map((r) => ({ ...r, re: globRegExp(r.pattern) }));
  return (path) => {
    let verdict: string | undefined;
    for (const r of compiled) if (r.re.test(path)) verdict = r.include ? undefined : r.group;
    return verdict;
  };
}

/** Directories worth walking: the fixed part of each exclude pattern (before its first wildcard). */
export function walkRoots(rules: readonly SlimRule[]): string[] {
  const roots = excludePrefixes(rules).map(
    (fixed) => fixed.slice(0, fixed.lastIndexOf('/')) || '/',
  );
  const unique = [...new Set(roots)].sort();
  return unique.filter((r) => !unique.some((o) => o !== r && r.startsWith(o + '/')));
}

const excludePrefixes = (rules: readonly SlimRule[]) =>
  rules.filter((r) => !r.include).map((r) => r.pattern.slice(0, r.pattern.search(/[*?[]/)));

/** Whether anything below this directory can match an exclusion (prunes the walk of /usr/lib). */
export function worthDescending(rules: readonly SlimRule[]): (dir: string) => boolean {
  const prefixes = excludePrefixes(rules);
  return (dir) => {
    const d = dir + '/';
    return prefixes.some((p) => p.startsWith(d) || d.startsWith(p));
  };
}

export const dpkgConfigPath = 'etc/dpkg/dpkg.cfg.d/armada-slim';

/** /etc/dpkg/dpkg.cfg.d/armada-slim: later installs and upgrades on the Pi keep the image slim. */
export function dpkgConfig(groups: readonly SlimGroup[] = slimGroups): string {
  const lines = [
    '# Written by armada build: what this image leaves out, and why. Remove this file',
    "# and reinstall a package to get its files back ('apt-get install --reinstall P').",
    '',
  ];
  for (const g of groups) {
    lines.push(`# ${g.name}: ${g.why}`);
    for (const r of slimRules([g]))
      lines.push(`path-${r.include ? 'include' : 'exclude'}=${r.pattern}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Module file name -> the name modprobe takes. */
export function moduleName(file: string): string | undefined {
  const m = /([^/]+)\.ko(?:\.(?:xz|zst|gz))?$/.exec(file);
  return m ? m[1].replace(/-/g, '_') : undefined;
}
