/**
 * SHA-512 crypt (`$6$`), Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512" scheme, as
 * glibc's crypt(3) and `openssl passwd -6` compute it. In-process so the password never
 * appears on a command line; hand-written because Node has no crypt(3), and checked against the
 * scheme's published vectors and openssl (test/unit/seed/sha512-crypt.test.ts).
 */
import { createHash, randomBytes } from 'node:crypto';

const alphabet = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const defaultRounds = 5000;

function sha512(...parts: Buffer[]): Buffer {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** `length` bytes of `source`, repeating it as often as needed. */
function repeat(source: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += source.length)
    source.copy(out, i, 0, Math.min(source.length, length - i));
  return out;
}

/** The scheme's own base64: three bytes at a time, in a fixed permutation, low bits first. */
function encode(digest: Buffer): string {
  const order = [
    [0, 21, 42],
    [22, 43, 1],
    [44, 2, 23],
    [3, 24, 45],
    [25, 46, 4],
    [47, 5, 26],
    [6, 27, 48],
    [28, 49, 7],
    [50, 8, 29],
    [9, 30, 51],
    [31, 52, 10],
    [53, 11, 32],
    [12, 33, 54],
    [34, 55, 13],
    [56, 14, 35],
    [15, 36, 57],
    [37, 58, 16],
    [59, 17, 38],
    [18, 39, 60],
    [40, 61, 19],
    [62, 20, 41],
  ] as const;
  let out = '';
  const put = (value: number, chars: number) => {
    for (let i = 0; i < chars; i++, value >>= 6) out += alphabet[value & 63];
  };
  for (const [a, b, c] of order) put((digest[a] << 16) | (digest[b] << 8) | digest[c], 4);
  put(digest[63], 2);
  return out;
}

export function randomSalt(length = 16): string {
  return [...randomBytes(length)].map((b) => alphabet[b & 63]).join('');
}

/**
 * Hash `password` with `salt` (at most 16 characters are used) and optional `rounds`
 * (1000–999999999; the default 5000 is left out of the output, like glibc).
 */
export function sha512Crypt(
  password: string,
  salt: string = randomSalt(),
  rounds?: number,
): string {
  const p = Buffer.from(password, 'utf8');
  const s = Buffer.from(salt.slice(0, 16), 'utf8');
  const n =
    rounds === undefined
      ? defaultRounds
      : Math.min(999_999_999, Math.max(1000, Math.floor(rounds)));

  const b = sha512(p, s, p);
  const aParts = [p, s, repeat(b, p.length)];
  for (let len = p.length; len > 0; len >>= 1) aParts.push(len & 1 ? b : p);
  let c = sha512(...aParts);

  const dp = repeat(sha512(...Array<Buffer>(p.length).fill(p)), p.length);
  const ds = repeat(sha512(...Array<Buffer>(16 + c[0]).fill(s)), s.length);

  for (let i = 0; i < n; i++) {
    const parts: Buffer[] = [i & 1 ? dp : c];
    if (i % 3) parts.push(ds);
    if (i % 7) parts.push(dp);
    parts.push(i & 1 ? c : dp);
    c = sha512(...parts);
  }
  const roundsPart = rounds === undefined ? '' : `rounds=${n}$`;
  return `$6$${roundsPart}${s.toString('utf8')}$${encode(c)}`;
}

/**
 * Rounds for the seed's PASSWORD_HASH: the hash sits on a card that can be lost before first
 * boot, so it must be slow to attack, yet every password login on the Pi computes it too.
 * 100,000 rounds (20 times glibc's default) measured 0.13 s with glibc and 0.3-0.8 s in-process
 * on the (shared, busy) x86 development machine; a Pi 3 / Zero 2 W core is several times slower,
 * so a password login there takes around a second. yescrypt (Debian's PAM default) would be
 * stronger still, but there is no in-process implementation to make it on the laptop.
 */
const seedPasswordRounds = 100_000;

/** The crypt(3) hash that goes into a seed, with a salt of its own (computed for each card). */
export function hashSeedPassword(password: string): string {
  return sha512Crypt(password, randomSalt(), seedPasswordRounds);
}

/** Parse `$6$[rounds=N$]salt[$hash]` and hash `password` the same way (for checks and tests). */
export function sha512CryptWithSetting(password: string, setting: string): string {
  const m = /^\$6\$(?:rounds=(\d+)\$)?([^$]*)/.exec(setting);
  if (!m) throw new Error(`not a $6$ setting: ${setting}`);
  return sha512Crypt(password, m[2], m[1] === undefined ? undefined : Number(m[1]));
}
