/**
 * Where this laptop keeps armada's state: the CA, its client certificate and per-host bundles.
 * `$ARMADA_CONFIG_DIR`, else `$XDG_CONFIG_HOME/armada`, else `~/.config/armada`
 * (macOS: `~/Library/Application Support/armada`).
 *
 * Under sudo (flash needs root) the directory is the invoking user's, and what we write there is
 * handed back to that user: otherwise `sudo armada flash` would make a CA in /root that a later
 * `armada connect` (without sudo) never finds.
 */
import { chown, mkdir, readFile, stat } from 'node:fs/promises';
import { UserError } from './errors.js';
import { noSpaceIn } from './fs-errors.js';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface ConfigDirInputs {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  home: string;
}

/** Pure: the config dir for these inputs. */
export function configDirFor({ env, platform, home }: ConfigDirInputs): string {
  if (env.ARMADA_CONFIG_DIR) return env.ARMADA_CONFIG_DIR;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'armada');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'armada');
  return join(home, '.config', 'armada');
}

export interface ConfigPaths {
  root: string;
  caDir: string;
  caCert: string;
  caKey: string;
  clientDir: string;
  /** This laptop's key for device-CA cards (only its certificate request goes to a card). */
  deviceKey: string;
  hostsDir: string;
}

export function configPaths(root: string): ConfigPaths {
  return {
    root,
    caDir: join(root, 'ca'),
    caCert: join(root, 'ca', 'ca.pem'),
    caKey: join(root, 'ca', 'ca-key.pem'),
    clientDir: join(root, 'client'),
    deviceKey: join(root, 'device-client', 'key.pem'),
    hostsDir: join(root, 'hosts'),
  };
}

/** Docker's names inside a DOCKER_CERT_PATH directory. */
export function bundlePaths(dir: string): { dir: string; ca: string; cert: string; key: string } {
  return { dir, ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
}

export interface InvokingUser {
  uid: number;
  gid: number;
  home: string;
}

/** Pure: the sudo caller from SUDO_UID/SUDO_GID and /etc/passwd, when we run as root under sudo. */
export function sudoUserFrom(
  env: Record<string, string | undefined>,
  passwd: string,
  uid: number | undefined,
): InvokingUser | undefined {
  if (uid !== 0 || !env.SUDO_UID || !env.SUDO_GID) return undefined;
  const sudoUid = Number(env.SUDO_UID);
  const sudoGid = Number(env.SUDO_GID);
  if (!Number.isInteger(sudoUid) || sudoUid === 0 || !Number.isInteger(sudoGid)) return undefined;
  const line = passwd
    .split('\n')
    .map((l) => l.split(':'))
    .find((f) => f.length >= 7 && Number(f[2]) === sudoUid);
  if (!line?.[5]) return undefined;
  return { uid: sudoUid, gid: sudoGid, home: line[5] };
}

let cachedSudoUser: InvokingUser | undefined | null = null;

export async function invokingSudoUser(): Promise<InvokingUser | undefined> {
  if (cachedSudoUser !== null) return cachedSudoUser;
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  cachedSudoUser = sudoUserFrom(process.env, passwd, process.getuid?.());
  return cachedSudoUser;
}

/** The home of the person at the keyboard (the sudo caller's when run with sudo). */
export async function userHome(): Promise<string> {
  return (await invokingSudoUser())?.home ?? homedir();
}

export async function configDir(): Promise<string> {
  return configDirFor({ env: process.env, platform: process.platform, home: await userHome() });
}

/** mkdir -p with a mode, owned by the invoking user under sudo. */
export async function makeUserDir(dir: string, mode = 0o700): Promise<void> {
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true, mode });
  } catch (error) {
    throw (await unwritableConfigDir(dir, error)) ?? error;
  }
  if (created) await giveToUser(created === dir ? [dir] : pathsBetween(created, dir));
}

/**
 * A config dir this user cannot write (made by an earlier `sudo` run, or read-only): name the
 * directory, its owner, and the fixes that work — sudo is not one, it would hide the problem.
 */
export async function unwritableConfigDir(
  dir: string,
  error: unknown,
): Promise<UserError | undefined> {
  const full = noSpaceIn(
    "armada's config dir",
    dir,
    error,
    'set ARMADA_CONFIG_DIR to a directory elsewhere',
  );
  if (full) return full;
  const code = (error as { code?: string }).code;
  if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') return undefined;
  let blocking = dir;
  while (blocking !== dirname(blocking)) {
    const s = await stat(blocking).catch(() => undefined);
    if (s) {
      const fix =
        code === 'EROFS'
          ? 'it is on a read-only file system'
          : `owned by uid ${s.uid}, mode ${(s.mode & 0o777).toString(8)}; fix it with 'sudo chown -R ${process.getuid?.() ?? '$USER'} ${blocking}'`;
      return new UserError(
        `cannot write armada's config dir ${dir}: ${blocking} is not writable (${fix}), or set ARMADA_CONFIG_DIR to a directory you own`,
      );
    }
    blocking = dirname(blocking);
  }
  return undefined;
}

function pathsBetween(first: string, last: string): string[] {
  const rest = last.slice(first.length).split('/').filter(Boolean);
  const out = [first];
  for (const part of rest) out.push(join(out[out.length - 1], part));
  return out;
}

/** chown paths we created to the sudo caller, so the user keeps owning their config dir. */
export async function giveToUser(paths: readonly string[]): Promise<void> {
  const user = await invokingSudoUser();
  if (!user) return;
  for (const p of paths) await chown(p, user.uid, user.gid);
}
