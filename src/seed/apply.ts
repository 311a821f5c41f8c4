/**
 * From flags to seeded cards. prepareSeeds validates everything, reads key files, hashes the
 * password, derives the WPA PSK and makes each card's server certificate before any card is
 * touched; writeSeed puts one card's files into its FAT partition with mtools and reads them back.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError, UserError } from '../errors.js';
import { log } from '../log.js';
import { userHome } from '../config-dir.js';
import { certSha256Hex, issueServerCert } from '../tls/certs.js';
import { ensureCa, laptopPaths } from '../tls/store.js';
import { deviceClientCsr } from '../tls/device-client.js';
import type {
  CardCerts,
  DeviceCaRequest,
  PreparedSeed,
  Problem,
  SeedFlags,
  SeedSettings,
} from './types.js';
import { parseUserData } from './user-data.js';
import { parseImported, type ImportedFiles } from './card-import.js';
import { hostnameFor, mergeSettings, type MergeInput } from './settings.js';
import { formatProblem } from './yaml-problems.js';
import { hashSeedPassword } from './sha512-crypt.js';
import { wpaPsk } from './wpa-psk.js';
import { planSeed } from './plan.js';
import { configTxtProblems } from './config-txt-block.js';
import { option } from '../option-names.js';

export { writeSeed } from './write.js';

const zoneinfo = '/usr/share/zoneinfo';

export function zoneExists(tz: string): boolean | undefined {
  if (!existsSync(zoneinfo)) return undefined;
  return existsSync(join(zoneinfo, tz));
}

/** Key lines of a .pub / authorized_keys file (comments and blank lines skipped). */
export function keyLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** ~/.ssh/*.pub, best first: ed25519, ecdsa, rsa, then the rest by name. */
export function rankPublicKeys(names: readonly string[]): string[] {
  const order = [
    'id_ed25519.pub',
    'id_ed25519_sk.pub',
    'id_ecdsa.pub',
    'id_ecdsa_sk.pub',
    'id_rsa.pub',
  ];
  const rank = (n: string) => (order.includes(n) ? order.indexOf(n) : order.length);
  return names
    .filter((n) => n.endsWith('.pub'))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

async function defaultKey(): Promise<{ source: string; line: string }[]> {
  const dir = join(await userHome(), '.ssh');
  const names = rankPublicKeys(await readdir(dir).catch(() => []));
  for (const name of names) {
    const path = join(dir, name);
    const lines = keyLines(await readFile(path, 'utf8').catch(() => ''));
    if (lines.length) {
      log.info(
        `SSH login: using ${path} (no ${option('sshKey')} given; pass ${option('sshKey')} to choose another)`,
      );
      return lines.map((line) => ({ source: path, line }));
    }
  }
  return [];
}

export async function readKeys(
  files: readonly string[],
  problems: Problem[],
): Promise<{ source: string; line: string }[]> {
  const keys: { source: string; line: string }[] = [];
  for (const file of files) {
    try {
      const text = await readFile(file, 'utf8');
      // A private key: one problem, and none of its bytes in any message.
      if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
        problems.push({
          severity: 'error',
          path: `${option('sshKey')} ${file}`,
          message: 'this is a PRIVATE key; it must never go to a card',
          fix: `give the public key: ${file.endsWith('.pub') ? 'its .pub file' : `${file}.pub`} (or make it with 'ssh-keygen -y -f ${file}')`,
        });
        continue;
      }
      const lines = keyLines(text);
      if (!lines.length)
        problems.push({
          severity: 'error',
          path: `${option('sshKey')} ${file}`,
          message: 'the file has no key',
          fix: 'give a .pub file',
        });
      keys.push(...lines.map((line) => ({ source: file, line })));
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'unreadable';
      problems.push({
        severity: 'error',
        path: `${option('sshKey')} ${file}`,
        message: `cannot read the file (${code})`,
        fix: 'give the path of a public key, e.g. ~/.ssh/id_ed25519.pub',
      });
    }
  }
  return keys;
}

/**
 * Validate and merge; throws a UserError listing every problem (warnings included). `imported`
 * (a card's Raspberry Pi Imager files, src/seed/card-import.ts) takes --user-data's place when
 * none is given.
 */
export async function resolveSettings(
  flags: SeedFlags,
  count: number,
  imported?: ImportedFiles,
): Promise<{ settings: SeedSettings; warnings: string[] }> {
  const found: { problem: Problem; file?: string }[] = [];
  let userData: MergeInput['userData'];
  if (flags.userData === undefined && (imported?.userData ?? imported?.networkConfig)) {
    const parsed = parseImported(imported, { zoneExists });
    found.push(...parsed.found);
    userData = parsed.userData;
  } else if (flags.userData !== undefined) {
    let text: string;
    try {
      text = await readFile(flags.userData, 'utf8');
    } catch (error) {
      throw new UserError(
        `cannot read ${option('userData')} ${flags.userData} (${(error as { code?: string }).code ?? 'error'}); check the path`,
      );
    }
    const parsed = parseUserData(text, { zoneExists });
    for (const problem of parsed.ok ? parsed.warnings : parsed.problems)
      found.push({ problem, file: flags.userData });
    if (parsed.ok) userData = { settings: parsed.settings };
  }
  const keyProblems: Problem[] = [];
  const keys = await readKeys(flags.sshKey ?? [], keyProblems);
  const udUser = userData?.settings.user;
  const otherLogin =
    (flags.sshKey?.length ?? 0) > 0 ||
    flags.password !== undefined ||
    Boolean(
      udUser &&
      (udUser.sshKeys.length || udUser.password !== undefined || udUser.passwordHash !== undefined),
    );
  if (!otherLogin && !found.some((f) => f.problem.severity === 'error'))
    keys.push(...(await defaultKey()));

  const merged = mergeSettings({
    flags,
    sshKeys: keys,
    ...(userData ? { userData } : {}),
    count,
    zoneExists,
  });
  for (const problem of [...keyProblems, ...(merged.ok ? merged.warnings : merged.problems)])
    found.push({ problem });
  const lines = found.map(
    ({ problem, file }) =>
      `${problem.severity === 'warning' ? 'warning: ' : ''}${formatProblem(problem, file)}`,
  );
  const errorsFound = found.filter((f) => f.problem.severity === 'error');
  const errors = errorsFound.length;
  if (errors || !merged.ok) {
    const warnings = found.length - errors;
    const message =
      `${errors} problem${errors === 1 ? '' : 's'}` +
      (warnings ? ` and ${warnings} warning${warnings === 1 ? '' : 's'}` : '') +
      ' in the seed settings; nothing was written';
    // Bad flag values are usage errors (exit 2); a bad user-data file is a user error (exit 1).
    const fromFlags = errorsFound.every((f) => !f.file && f.problem.path.startsWith('--'));
    throw fromFlags ? new UsageError(message, lines) : new UserError(message, lines);
  }
  return {
    settings: merged.settings,
    warnings: found.map(({ problem, file }) => formatProblem(problem, file)),
  };
}

/**
 * The lines for config.txt's armada block: the file's, then the flags'; undefined when neither
 * was given. Every refused line is listed at once.
 */
export async function configTxtLines(flags: SeedFlags): Promise<string[] | undefined> {
  if (flags.configTxt === undefined && flags.configTxtFile === undefined) return undefined;
  const file = flags.configTxtFile;
  let fromFile: { where: string; line: string }[] = [];
  if (file !== undefined) {
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new UserError(
        `${option('configTxtFile')} ${file}: cannot read it (${error.code ?? error.message})`,
      );
    });
    fromFile = text.split(/\r?\n/).map((line, i) => ({ where: `${file}:${i + 1}`, line }));
  }
  const all = [
    ...fromFile,
    ...(flags.configTxt ?? []).map((line) => ({ where: option('configTxt'), line })),
  ].filter((l) => l.line.trim() !== '');
  const problems = configTxtProblems(all);
  if (problems.length)
    throw new UsageError(
      `${problems.length === 1 ? 'a config.txt line was' : `${problems.length} config.txt lines were`} refused; ` +
        'give key=value lines, [section] filters or # comments, and leave the keys armada boots with to armada (docs/seed.md)',
      problems.map((p) => `${p.where}: '${p.line}' ${p.message}`),
    );
  return all.map((l) => l.line.trim());
}

/**
 * Everything for `count` cards, numbered from flags.start (default 1): secrets derived,
 * certificates made. Nothing is written to any card.
 */
export async function prepareSeeds(
  flags: SeedFlags,
  count: number,
  imported?: ImportedFiles,
): Promise<PreparedSeed[]> {
  const { settings: base, warnings } = await resolveSettings(flags, count, imported);
  for (const w of warnings) log.warn(w);
  const settings: SeedSettings = { ...base };
  if (settings.hostname === undefined && settings.tlsMode === 'laptop') {
    // The server certificate must name the device; without a name the image's default would not match.
    settings.hostname = count > 1 ? 'armada-{n}' : 'armada';
    log.info(
      `no ${option('hostname')} given: naming the device${count > 1 ? 's' : ''} '${hostnameFor(settings.hostname, flags.start ?? 1)}'${count > 1 ? ', …' : ''}`,
    );
  }
  if (settings.wifi?.passphrase !== undefined)
    settings.wifi = {
      ...settings.wifi,
      passphrase: wpaPsk(settings.wifi.passphrase, settings.wifi.ssid),
    };
  const ca = settings.tlsMode === 'laptop' ? await ensureCa() : undefined;
  if (ca?.created)
    log.info(
      `created the laptop CA in ${ca.paths.caDir} (back up ca-key.pem; cards trust only this CA)`,
    );

  // One id per run: first boot rotates once per id, so booting the same seed again does not.
  if (flags.rotateCa && settings.tlsMode === 'device')
    settings.rotateCaId = randomBytes(8).toString('hex');

  // Device-CA mode: the card carries only a request for this laptop's key; first boot signs it.
  const request: DeviceCaRequest | undefined =
    settings.tlsMode === 'device'
      ? { clientCsrPem: await deviceClientCsr(await laptopPaths()) }
      : undefined;

  const password = settings.user.password;

  const configTxt = await configTxtLines(flags);

  const seeds: PreparedSeed[] = [];
  const start = flags.start ?? 1;
  for (let n = start; n < start + count; n++) {
    const card: SeedSettings = { ...settings, user: { ...settings.user } };
    if (password !== undefined) {
      // Hashed for each card with its own salt, though it costs a noticeable fraction of a second
      // a card: with one salt for the fleet, one card's hash would show which other devices share
      // the password, and one cracking run would serve them all.
      card.user.passwordHash = hashSeedPassword(password);
      delete card.user.password;
    }
    const hostname = card.hostname === undefined ? undefined : hostnameFor(card.hostname, n);
    let certs: CardCerts | undefined;
    if (ca && hostname) {
      const server = await issueServerCert(ca.issuer, hostname, flags.san ?? []);
      certs = { caPem: ca.caPem, serverCertPem: server.certPem, serverKeyPem: server.keyPem };
    }
    seeds.push({
      index: n,
      ...(hostname ? { hostname } : {}),
      tlsMode: card.tlsMode,
      ...(certs ? { serverCertSha256: certSha256Hex(certs.serverCertPem) } : {}),
      files: planSeed(card, n, certs ?? request),
      ...(configTxt ? { configTxt } : {}),
      warnings,
    });
  }
  return seeds;
}
