/**
 * Pure: yargs' parse failures in armada's words, and which help page to point at. yargs' own
 * texts ("Not enough non-option arguments: got 0, need at least 1") name its internals, not
 * what the user left out.
 */
import { ExitCode, classify, InternalError } from '../errors.js';

export interface CommandUsage {
  /** yargs command string, e.g. 'configure <target>' or 'ca <action>'. */
  command?: string | readonly string[];
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

const codeNames: Record<number, string> = {
  [ExitCode.user]: 'user-error',
  [ExitCode.usage]: 'usage',
  [ExitCode.checkFailed]: 'check-failed',
  [ExitCode.interrupted]: 'interrupted',
  [ExitCode.internal]: 'internal',
};

/** Pure: the one JSON document a failed `--json` run prints on stdout. */
export function jsonError(error: unknown): string {
  const e = classify(error);
  return JSON.stringify(
    {
      ok: false,
      error: {
        code: codeNames[e.exitCode] ?? 'error',
        exitCode: e.exitCode,
        message: e instanceof InternalError ? `internal error: ${e.message}` : e.message,
        ...('details' in e && e.details.length ? { details: e.details } : {}),
      },
    },
    null,
    2,
  );
}
