/**
 * Signed releases: a detached OpenSSH signature (sshsig, `ssh-keygen -Y sign`) of SHA256SUMS,
 * checked against the public keys a user trusts. Why sshsig: every machine that runs armada has
 * ssh-keygen (OpenSSH 8.1+), people already hold SSH keys (and agents, and hardware keys), and
 * anyone can check a release by hand with `ssh-keygen -Y verify` and an allowed_signers file;
 * GPG brings a keyring and its trust model, minisign a tool most hosts lack. Pure: commands,
 * the trusted-keys file, ssh-keygen's answers.
 */
import type { Command } from '../exec.js';
import { checkSshKey } from '../ssh-key.js';

/** The default trusted-keys file in armada's config dir. */
export function trustedKeysPath(configDir: string): string {
  return `${configDir}/trusted-keys`;
}

/** The sshsig namespace: a signature made for anything else never verifies as a release. */
export const signatureNamespace = 'armada-release';

/** The signature's name beside the file it signs. */
export const signatureSuffix = '.sig';

/** A signature file is a few hundred bytes; more is not one. */
export const signatureMaxBytes = 64 * 1024;

/** Writes `<file>.sig`. `key` is a private key, or a public one whose private half is in ssh-agent. */
export function signCommand(key: string, file: string): Command {
  return ['ssh-keygen', ['-q', '-Y', 'sign', '-n', signatureNamespace, '-f', key, file]];
}

/** Which trusted key (principal) made the signature; does not check the signature itself. */
export function findPrincipalsCommand(allowedSigners: string, signature: string): Command {
  return ['ssh-keygen', ['-Y', 'find-principals', '-s', signature, '-f', allowedSigners]];
}

/** Checks the signed data (given on stdin) against `principal`'s key. */
export function verifyCommand(
  allowedSigners: string,
  principal: string,
  signature: string,
): Command {
  return [
    'ssh-keygen',
    [
      '-Y',
      'verify',
      '-f',
      allowedSigners,
      '-I',
      principal,
      '-n',
      signatureNamespace,
      '-s',
      signature,
    ],
  ];
}

export interface TrustedKey {
  /** `key-<line>`: the principal in the allowed_signers file armada writes. */
  principal: string;
  /** The key's comment (what `ssh-keygen` put after it: you@laptop), else its type. */
  name: string;
  /** `type base64`. */
  key: string;
}

/**
 * The trusted-keys file: one OpenSSH public key per line (a .pub file's line), blank lines and
 * `#` comments ignored. Bad lines are reported all together, never quoted (they may be keys).
 */
export function parseTrustedKeys(
  text: string,
  path: string,
): { keys: TrustedKey[]; problems: string[] } {
  const keys: TrustedKey[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const bad = checkSshKey(line);
    if (bad) {
      problems.push(`${path} line ${i + 1}: ${bad.message}; ${bad.fix}`);
      return;
    }
    // authorized_keys options (from=…) may come first: the key starts at its type.
    const fields = line.split(/\s+/);
    const at = fields.findIndex(
      (f, j) => /^(ssh-|ecdsa-|sk-)/.test(f) && !checkSshKey(`${f} ${fields[j + 1] ?? ''}`),
    );
    const [type, blob, ...comment] = fields.slice(Math.max(at, 0));
    keys.push({
      principal: `key-${i + 1}`,
      name: comment.join(' ') || type,
      key: `${type} ${blob}`,
    });
  });
  return { keys, problems };
}

/** ssh-keygen's allowed_signers format, each key allowed for armada's namespace only. */
export function allowedSigners(keys: readonly TrustedKey[]): string {
  return keys.map((k) => `${k.principal} namespaces="${signatureNamespace}" ${k.key}\n`).join('');
}

/** find-principals' stdout: one principal per line. */
export function parsePrincipals(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** `Good "armada-release" signature for key-1 with ED25519 key SHA256:…` → the fingerprint. */
export function parseGoodSignature(output: string): string | undefined {
  return /^Good "[^"]*" signature for \S+ with \S+ key (SHA256:\S+)/m.exec(output)?.[1];
}

/** What flash says about a SHA256SUMS's signature. */
export type SignatureVerdict =
  | { status: 'verified'; name: string; fingerprint: string; signature: string }
  | { status: 'not-signed' }
  | { status: 'no-trusted-keys'; signature: string };

export function describeVerdict(v: SignatureVerdict): string {
  switch (v.status) {
    case 'verified':
      return `signed by ${v.name} (${v.fingerprint})`;
    case 'not-signed':
      return 'not signed';
    case 'no-trusted-keys':
      return 'signed, but not checked: no trusted keys';
  }
}
