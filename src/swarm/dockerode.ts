/**
 * dockerode, loaded on first use with docker-modem's debug output switched off. docker-modem
 * logs the options of every request through the `debug` package, the client's private key among
 * them, whenever DEBUG matches its namespace (DEBUG=modem, DEBUG=*): a key in a pasted log or CI
 * output. `debug` reads DEBUG once, when it is loaded, and docker-modem is the only module that
 * loads it on this path: so DEBUG gets `-modem` before dockerode is imported. Other namespaces
 * stay as the user set them.
 */
import type Docker from 'dockerode';

/** Pure: DEBUG with the `modem` namespace excluded (debug's `-name` skips win over matches). */
export function withoutModemDebug(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return value;
  const names = value.split(/[\s,]+/).filter(Boolean);
  if (names.includes('-modem')) return value;
  return [...names, '-modem'].join(',');
}

let loaded: Promise<typeof Docker> | undefined;

export function loadDockerode(): Promise<typeof Docker> {
  const debug = withoutModemDebug(process.env.DEBUG);
  if (debug !== undefined) process.env.DEBUG = debug;
  loaded ??= import('dockerode').then((m) => m.default);
  return loaded;
}
