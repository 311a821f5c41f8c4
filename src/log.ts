/**
 * The one logger: everything human goes to stderr so stdout stays free for --json.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';

const order: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** The only way to print a result to stdout. */
  result(text: string): void;
}

let threshold: Level = 'info';
let sink: (line: string) => void = (line) => process.stderr.write(line + '\n');
let out: (text: string) => void = (text) =>
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');

export function setLogLevel(level: Level): void {
  threshold = level;
}

/** Tests capture output by swapping the sinks. */
export function setLogSinks(stderr: (line: string) => void, stdout: (text: string) => void): void {
  sink = stderr;
  out = stdout;
}

function emit(level: Level, message: string): void {
  if (order[level] < order[threshold]) return;
  const prefix = level === 'warn' ? 'WARNING: ' : level === 'error' ? 'ERROR: ' : '';
  for (const line of message.split('\n')) sink(prefix + line);
}

export const log: Logger = {
  debug: (m) => emit('debug', m),
  info: (m) => emit('info', m),
  warn: (m) => emit('warn', m),
  error: (m) => emit('error', m),
  result: (t) => out(t),
};
