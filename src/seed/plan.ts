/**
 * planSeed: the files of one card's `armada/` directory (the contract: docs/seed.md). Pure. Secrets must already be derived: a plain password or Wi-Fi
 * passphrase reaching this point is a bug, never written.
 */
import { InternalError } from '../errors.js';
import type { CardCerts, DeviceCaRequest, SeedFile, SeedSettings } from './types.js';
import { renderSeedEnv, type SeedEnvKey } from './seed-env.js';
import { renderFilesTsv, renderRuncmd } from './render.js';
import { linkFileName, networkFileName, renderLink, renderNetworkd } from './render-network.js';
import { defaultSudo, defaultUsername, hostnameFor } from './settings.js';

export const seedDir = 'armada';

/** The login user's name, or undefined when nobody can log in (then no user is created). */
export function loginUser(settings: SeedSettings): string | undefined {
  const u = settings.user;
  const canLogIn = u.sshKeys.length > 0 || u.passwordHash !== undefined;
  return canLogIn ? (u.name ?? defaultUsername) : undefined;
}

/** Where a device-CA seed carries the laptop's certificate request. */
const clientCsrPath = `${seedDir}/tls/client.csr`;

export function planSeed(
  settings: SeedSettings,
  index: number,
  tls?: CardCerts | DeviceCaRequest,
): SeedFile[] {
  const certs = tls && 'serverKeyPem' in tls ? tls : undefined;
  const request = tls && 'clientCsrPem' in tls ? tls : undefined;
  const u = settings.user;
  if (u.password !== undefined)
    throw new InternalError('planSeed got a plain-text password; prepareSeeds hashes it first');
  if (settings.wifi?.passphrase !== undefined && !/^[0-9a-f]{64}$/.test(settings.wifi.passphrase))
    throw new InternalError('planSeed got a Wi-Fi passphrase; prepareSeeds derives the PSK first');
  if (settings.tlsMode === 'laptop' && !certs)
    throw new InternalError('laptop-CA mode needs the card’s certificates');

  const username = loginUser(settings);
  const env: Partial<Record<SeedEnvKey, string>> = {
    HOSTNAME: settings.hostname === undefined ? undefined : hostnameFor(settings.hostname, index),
    USERNAME: username,
    PASSWORD_HASH: username ? u.passwordHash : undefined,
    USER_SUDO: username ? (u.sudo ?? defaultSudo) : undefined,
    SSH_PWAUTH: settings.sshPwauth && u.passwordHash ? '1' : undefined,
    TIMEZONE: settings.timezone,
    LOCALE: settings.locale,
    KEYMAP: settings.keymap,
    WIFI_COUNTRY: settings.wifi?.country ?? settings.wifiCountry,
    WIFI_SSID: settings.wifi?.ssid,
    WIFI_PSK: settings.wifi?.passphrase,
    TLS_MODE: settings.tlsMode,
    INSECURE_TCP: settings.insecureTcp ? '1' : undefined,
    ROTATE_CA: settings.tlsMode === 'device' ? settings.rotateCaId : undefined,
    // Both default to on: only the way off is written.
    SECURITY_UPDATES: settings.securityUpdates ? undefined : '0',
    LIVE_RESTORE: settings.liveRestore ? undefined : '0',
  };
  const files: SeedFile[] = [
    {
      path: `${seedDir}/seed.env`,
      content: renderSeedEnv(env),
      secret: Boolean(env.PASSWORD_HASH ?? env.WIFI_PSK),
    },
  ];
  if (username && u.sshKeys.length)
    files.push({
      path: `${seedDir}/authorized_keys`,
      content: u.sshKeys.join('\n') + '\n',
      secret: false,
    });
  settings.ethernets.forEach((e, i) => {
    files.push({
      path: `${seedDir}/network/${networkFileName(e, i)}`,
      content: renderNetworkd(e),
      secret: false,
    });
    const link = renderLink(e);
    if (link)
      files.push({
        path: `${seedDir}/network/${linkFileName(e, i)}`,
        content: link,
        secret: false,
      });
  });
  if (settings.writeFiles.length) {
    const { tsv, contents } = renderFilesTsv(settings.writeFiles);
    files.push({ path: `${seedDir}/files.tsv`, content: tsv, secret: false });
    for (const c of contents)
      files.push({ path: `${seedDir}/${c.name}`, content: c.content, secret: false });
  }
  const runcmd = renderRuncmd(settings.runcmd, u, username);
  if (runcmd) files.push({ path: `${seedDir}/runcmd.sh`, content: runcmd, secret: false });
  if (settings.tlsMode === 'device' && request)
    files.push({ path: clientCsrPath, content: request.clientCsrPem, secret: false });
  if (settings.tlsMode === 'laptop' && certs) {
    files.push(
      { path: `${seedDir}/tls/ca.pem`, content: certs.caPem, secret: false },
      { path: `${seedDir}/tls/server.pem`, content: certs.serverCertPem, secret: false },
      { path: `${seedDir}/tls/server-key.pem`, content: certs.serverKeyPem, secret: true },
    );
  }
  return files;
}
