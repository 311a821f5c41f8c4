/**
 * Pure: the login risks of a user-data file such as HypriotOS's samples (a known password, SSH
 * password login, sudo without a password), one warning each. They are seeded as written: a
 * warning says what the file asks for, never the password itself.
 */
import { weakPassword } from './settings.js';
import type { Path, ProblemList } from './yaml-problems.js';

/** Where the login user's settings were found in the file. */
export interface LoginFacts {
  user?: string;
  /** The plain-text password that is seeded, and where it was given. */
  plainPassword?: { value: string; at: Path };
  /** A password (plain or hashed) is seeded: lock_passwd did not drop it. */
  hasPassword: boolean;
  sshPwauth?: { value: boolean; at: Path };
  sudo?: { rule: string; at: Path };
}

/** Passwords published in HypriotOS's sample user-data files. */
const samplePasswords = new Set(['hypriot', 'pirate']);

export function warnLoginRisks(f: LoginFacts, p: ProblemList): void {
  const who = f.user ? `'${f.user}'` : 'the user';
  if (f.plainPassword) {
    const pw = f.plainPassword.value;
    const weak = samplePasswords.has(pw.toLowerCase())
      ? "HypriotOS's published sample password"
      : weakPassword(pw);
    p.warn(
      f.plainPassword.at,
      `the password is given in plain text: whoever reads this file can log in as ${who}${weak ? `, and it is weak (${weak})` : ''}`,
      'give a hash with passwd (mkpasswd -m sha-512), or log in with ssh_authorized_keys only',
    );
  }
  if (f.sshPwauth?.value && f.hasPassword)
    p.warn(
      f.sshPwauth.at,
      `ssh_pwauth: true with an unlocked password: SSH accepts the password of ${who} from the whole network`,
      'set ssh_pwauth: false and log in with ssh_authorized_keys',
    );
  // Keys-only users with passwordless sudo are the norm (cloud images, Raspberry Pi Imager):
  // the risk is a user that has a password sudo could ask for, and does not.
  if (f.sudo && f.hasPassword && /\bNOPASSWD:\s*ALL\s*$/.test(f.sudo.rule))
    p.warn(
      f.sudo.at,
      `sudo NOPASSWD:ALL: anything running as ${who} becomes root without the password ${who} has`,
      "use sudo: 'ALL=(ALL) ALL' (asks for the password)",
    );
}
