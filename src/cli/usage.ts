/**
 * Pure: yargs' parse failures in armada's words, and which help page to point at. yargs' own
 * texts ("Not enough non-option arguments: got 0, need at least 1") name its internals, not
 * what the user left out.
 */
import { envelope } from './json.js';

export interface CommandUsage {
  /** yargs command string, e.g. 'configure <target>' or 'ca <action>'. */
  command?: string | readonly string[];
  /** yargs builder; a group's registers its subcommands. */
  builder?: unknown;
}

function commandString(c: CommandUsage): string {
  return (typeof c.command === 'string' ? c.command : c.command?.[0]) ?? '';
}

/** The subcommand named on the command line (the first word that is one), if any. */
export function subcommandOf(argv: readonly string[], commands: readonly CommandUsage[]): string {
  const names = commands.map((c) => commandString(c).split(' ')[0]);
  return argv.find((a) => names.includes(a)) ?? '';
}

function positionals(command: string): string[] {
  return [...command.matchAll(/<([^>]+)>/g)].map((m) => `<${m[1]}>`);
}

export function usageMessage(
  msg: string,
  argv: readonly string[],
  commands: readonly CommandUsage[],
): { message: string; help: string } {
  const sub = subcommandOf(argv, commands);
  const help = `armada${sub ? ` ${sub}` : ''} --help`;
  const entry = commands.map(commandString).find((c) => c.split(' ')[0] === sub);
  let m: RegExpExecArray | null;
  let message = msg.trim();
  if ((m = /^Not enough non-option arguments: got (\d+), need at least (\d+)/.exec(message))) {
    const missing = entry ? positionals(entry).slice(Number(m[1])) : [];
    message = missing.length
      ? `'armada ${sub}' needs ${missing.join(' ')}`
      : sub
        ? `'armada ${sub}' needs more arguments`
        : 'name a command';
  } else if ((m = /^Too many non-option arguments: got (\d+), maximum of (\d+)/.exec(message)))
    message = `too many arguments for 'armada ${sub}' (it takes ${m[2]}); quote values with spaces`;
  else if ((m = /^Unknown arguments?: (.+)$/s.exec(message))) {
    const words = m[1].split(', ');
    const isOption = (w: string) =>
      argv.some((a) => a === `--${w}` || a.startsWith(`--${w}=`) || a === `-${w}`);
    // '-oProxyCommand=x' reaches yargs as the short flags o, P, r, …: name the token instead.
    const bundled = words.every((w) => w.length === 1)
      ? argv.find((a) => /^-[^-]/.test(a) && words.every((w) => a.includes(w)))
      : undefined;
    if (bundled) return { message: `unknown option '${bundled}'`, help };
    const options = words.filter(isOption);
    const extra = words.filter((w) => !isOption(w));
    message = !sub
      ? `unknown command '${argv.find((a) => !a.startsWith('-')) ?? words[0]}'`
      : options.length
        ? `unknown option${options.length > 1 ? 's' : ''} ${options.map((w) => (w.length > 1 ? `--${w}` : `-${w}`)).join(', ')}`
        : `unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((w) => `'${w}'`).join(' ')}; quote values with spaces`;
  } else if (
    (m = /^Invalid values?:\s+Argument: ([^,]+), Given: (.+?), Choices: (.+)$/s.exec(message))
  )
    message = `--${m[1]} ${m[2].replaceAll('"', '')} is not one of: ${m[3].replaceAll('"', '')}`;
  else if ((m = /^Not enough arguments following: (.+)$/.exec(message)))
    message = `--${m[1]} needs a value`;
  else if ((m = /^Missing required arguments?: (.+)$/.exec(message)))
    message = `missing ${m[1]
      .split(', ')
      .map((a) => `--${a}`)
      .join(', ')}`;
  else if (/^Did you mean/.test(message))
    message = `unknown command '${argv.find((a) => !a.startsWith('-')) ?? ''}'; ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
  return { message: message.charAt(0).toLowerCase() + message.slice(1), help };
}

/** Pure: the one JSON document a failed `--json` run prints on stdout (src/cli/json.ts). */
export function jsonError(error: unknown, command: string | null = null): string {
  return JSON.stringify(envelope(command, undefined, error), null, 2);
}

function names(c: CommandUsage): string[] {
  const all = typeof c.command === 'string' ? [c.command] : (c.command ?? []);
  return all.map((s) => s.split(' ')[0]).filter((n) => n && n !== '$0');
}

/**
 * The subcommands a group's builder registers (cache: ls, prune), found by running the builder
 * against a recorder instead of yargs: a command line that yargs refused still gets its name.
 */
export function subcommandNames(c: CommandUsage): string[] {
  if (typeof c.builder !== 'function') return [];
  const found: string[] = [];
  const recorder: unknown = new Proxy(() => undefined, {
    get: (_target, key) =>
      key === 'command'
        ? (sub: CommandUsage) => {
            found.push(...names(sub));
            return recorder;
          }
        : () => recorder,
  });
  const build = c.builder as (y: unknown) => unknown;
  try {
    build(recorder);
  } catch {
    // A builder that needs real yargs has no subcommands worth naming here.
  }
  return found;
}

/** The command named on the command line with its subcommand, if any ('cache prune'), or null. */
export function commandPathOf(
  argv: readonly string[],
  commands: readonly CommandUsage[],
): string | null {
  const top = subcommandOf(argv, commands);
  if (!top) return null;
  const group = commands.find((c) => names(c)[0] === top);
  const next = argv.slice(argv.indexOf(top) + 1).find((a) => !a.startsWith('-'));
  return next && group && subcommandNames(group).includes(next) ? `${top} ${next}` : top;
}
