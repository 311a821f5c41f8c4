/**
 * A base's default user with a password everybody knows (`pi`/`raspberry` in Raspberry Pi OS
 * before April 2022, and in the stand-ins the tests make) must not reach a card: its password is
 * locked in /etc/shadow. The account stays (files in its home, group memberships), so a seed that
 * names the same user sets a new password for it. Pure: the step reads and writes the file.
 */
import { sha512CryptWithSetting } from '../seed/sha512-crypt.js';

const knownPasswords = ['raspberry'] as const;

export interface LockedUser {
  user: string;
  /** How the password was recognised. */
  why: string;
}

export interface ShadowLock {
  text: string;
  locked: LockedUser[];
  /** Password hashes armada cannot check ($y$ yescrypt…) on accounts it would have checked. */
  unchecked: string[];
}

/** A `$6$` hash that one of the known passwords produces. */
function knownPassword(hash: string): string | undefined {
  if (!hash.startsWith('$6$')) return undefined;
  return knownPasswords.find((p) => sha512CryptWithSetting(p, hash) === hash);
}

/**
 * Lock every login account whose password is a known one. Accounts below uid 1000 are system
 * accounts (no password set); passwd gives the uids.
 */
export function lockKnownPasswords(shadow: string, passwd: string): ShadowLock {
  const uid = new Map(
    passwd
      .split('\n')
      .map((l) => l.split(':'))
      .filter((f) => f.length >= 7)
      .map((f) => [f[0], Number(f[2])] as const),
  );
  const locked: LockedUser[] = [];
  const unchecked: string[] = [];
  const lines = shadow.split('\n').map((line) => {
    const f = line.split(':');
    if (f.length < 9) return line;
    const [user, hash] = [f[0], f[1]];
    if ((uid.get(user) ?? 0) < 1000 || !hash || /^[!*]/.test(hash)) return line;
    const password = knownPassword(hash);
    if (password === undefined) {
      if (!hash.startsWith('$6$')) unchecked.push(user);
      return line;
    }
    locked.push({ user, why: `password '${password}'` });
    // The known hash goes entirely ('!' alone): `usermod -U` cannot bring it back.
    f[1] = '!';
    return f.join(':');
  });
  return { text: lines.join('\n'), locked, unchecked };
}
