/**
 * `GET /_ping` on Docker's TLS endpoint with this laptop's client certificate: the same check the
 * docker CLI makes first, with a bounded wait and a reason a person can act on.
 */
import { request } from 'node:https';
import { isIP } from 'node:net';
import { checkServerIdentity, type TLSSocket } from 'node:tls';

export interface PingTarget {
  /** The name the certificate must be valid for (and the dialled host unless `address`). */
  host: string;
  /** Dial this address instead of resolving `host` (a name armada resolved over mDNS). */
  address?: string;
  port: number;
  ca: string;
  cert: string;
  key: string;
  timeoutMs?: number;
}

export type PingFailure = 'refused' | 'tls' | 'timeout' | 'dns' | 'unreachable' | 'http';

export type PingResult =
  | {
      ready: true;
      ms: number;
      apiVersion?: string;
      /** With `address`: whether the certificate is also valid for the address itself. */
      addressInCertificate?: boolean;
    }
  | { ready: false; reason: PingFailure; message: string };

interface ErrorLike {
  code?: string;
  message?: string;
}

/** Pure: map a socket/TLS error to the reason shown to the user. */
export function explainPingError(
  error: ErrorLike,
  host: string,
  port: number,
  timeoutMs: number,
): PingResult {
  const code = error.code ?? '';
  const where = `${host}:${port}`;
  const fail = (reason: PingFailure, message: string): PingResult => ({
    ready: false,
    reason,
    message,
  });
  if (code === 'ECONNREFUSED')
    return fail(
      'refused',
      `connection refused by ${where}: dockerd is not listening there yet (still booting?)`,
    );
  if (code === 'ETIMEDOUT' || code === 'ARMADA_TIMEOUT')
    return fail(
      'timeout',
      `no answer from ${where} within ${Math.round(timeoutMs / 1000)} s (powered off, booting, or firewalled?)`,
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return fail(
      'dns',
      `cannot resolve ${host}` +
        (host.endsWith('.local')
          ? " (not through this machine's resolver, nor over mDNS: same network? still booting?)"
          : ''),
    );
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN')
    return fail('unreachable', `${host} is unreachable from this machine (${code})`);
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return fail(
      'tls',
      `TLS: the device's certificate is not valid for '${host}'` +
        (isIP(host)
          ? `; connect by its name (<hostname>.local), or seed the card with --san ${host} to connect by address`
          : `; seed the card with --san ${host} to add that name`),
    );
  const tlsLike =
    /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|EPROTO$)/.test(code) ||
    /certificate|handshake|alert|ssl/i.test(error.message ?? '');
  if (tlsLike)
    return fail('tls', `TLS failure talking to ${where}: ${tlsReason(code, error.message ?? '')}`);
  if (code === 'ECONNRESET')
    return fail(
      'tls',
      `${where} closed the connection during TLS: it probably does not trust this laptop's client certificate`,
    );
  return fail('unreachable', `cannot reach ${where}: ${error.message ?? code}`);
}

function tlsReason(code: string, message: string): string {
  if (
    /WRONG_VERSION_NUMBER|wrong version number|packet length too long|http request/i.test(
      code + message,
    )
  )
    return "the port does not speak TLS (a plain HTTP or Docker port 2375?); armada's Docker TLS port is 2376";
  if (/UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_REQUIRED|CERTIFICATE_UNKNOWN/i.test(code + message))
    return `the device rejected this laptop's client certificate (${code || message}); it was seeded with another CA`;
  if (/UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER/i.test(code))
    return `the device's certificate is not signed by the CA armada holds for it (${code})`;
  if (/CERT_HAS_EXPIRED|CERT_NOT_YET_VALID/.test(code))
    return `certificate validity (${code}); check the clocks of the device and this laptop`;
  // OpenSSL's text ("808C…:error:0A00010B:SSL routines:…") means nothing to a user: keep its reason.
  const short = /:SSL routines:[^:]*:([^:]+):/.exec(message)?.[1] ?? message;
  return `${code ? `${code}: ` : ''}${short}`;
}

export function pingDocker(t: PingTarget): Promise<PingResult> {
  const timeoutMs = t.timeoutMs ?? 5000;
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: PingResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = request({
      host: t.address ?? t.host,
      port: t.port,
      path: '/_ping',
      method: 'GET',
      ca: t.ca,
      cert: t.cert,
      key: t.key,
      ...(isIP(t.host) ? {} : { servername: t.host }),
      rejectUnauthorized: true,
      agent: false,
    });
    const timer = setTimeout(() => {
      done(explainPingError({ code: 'ARMADA_TIMEOUT' }, t.host, t.port, timeoutMs));
      req.destroy();
    }, timeoutMs);
    req.on('error', (e: ErrorLike) => done(explainPingError(e, t.host, t.port, timeoutMs)));
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk.slice(0, 256)));
      res.on('end', () => {
        if (res.statusCode === 200 && body.trim() === 'OK') {
          const api = res.headers['api-version'];
          const address = t.address;
          done({
            ready: true,
            ms: Date.now() - started,
            ...(typeof api === 'string' ? { apiVersion: api } : {}),
            ...(address
              ? {
                  addressInCertificate:
                    checkServerIdentity(address, (res.socket as TLSSocket).getPeerCertificate()) ===
                    undefined,
                }
              : {}),
          });
        } else {
          done({
            ready: false,
            reason: 'http',
            message: `${t.host}:${t.port}/_ping answered ${res.statusCode}: ${body.trim().slice(0, 80)}`,
          });
        }
      });
      res.on('error', (e: ErrorLike) => done(explainPingError(e, t.host, t.port, timeoutMs)));
    });
    req.end();
  });
}
