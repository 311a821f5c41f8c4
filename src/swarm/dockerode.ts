/**
 * dockerode, loaded on first use with docker-modem's debug output switched off. docker-modem
 * logs the options of every request through the `debug` package, the client's private key among
 * them, whenever DEBUG matches its namespace (DEBUG=modem, DEBUG=*): a key in a pasted log or CI
 * output. `debug` reads DEBUG once, when it is loaded, and docker-modem is the only module that
 * loads it on this path: so DEBUG gets `-modem` before dockerode is imported. Other namespaces
 * stay as the user set them.
 */
import type { PeerCertificate } from 'node:tls';
import type Docker from 'dockerode';

/**
 * dockerode 5's options as armada passes them: @types/dockerode (4.x, the newest there is) lacks
 * the ones docker-modem hands on to the request and the TLS agent.
 */
interface DockerodeOptions extends Docker.DockerOptions {
  /** Prefix of every API path; explicit so that DOCKER_HOST cannot add one. */
  pathPrefix?: string;
  /** Milliseconds to wait for the TCP connection, apart from `timeout` for the whole call. */
  connectionTimeout?: number;
  checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined;
}

type Dockerode = new (options: DockerodeOptions) => Docker;

/** Pure: DEBUG with the `modem` namespace excluded (debug's `-name` skips win over matches). */
export function withoutModemDebug(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return value;
  const names = value.split(/[\s,]+/).filter(Boolean);
  if (names.includes('-modem')) return value;
  return [...names, '-modem'].join(',');
}

let loaded: Promise<Dockerode> | undefined;

export function loadDockerode(): Promise<Dockerode> {
  const debug = withoutModemDebug(process.env.DEBUG);
  if (debug !== undefined) process.env.DEBUG = debug;
  loaded ??= import('dockerode').then((m) => m.default);
  return loaded;
}
