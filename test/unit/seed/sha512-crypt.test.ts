import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import {
  hashSeedPassword,
  randomSalt,
  sha512Crypt,
  sha512CryptWithSetting,
} from '../../../src/seed/sha512-crypt.js';

// The test vectors published with the SHA-crypt specification (Drepper, 2007/2008).
const vectors: [setting: string, password: string, expected: string][] = [
  [
    '$6$saltstring',
    'Hello world!',
    '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
  ],
  [
    '$6$rounds=10000$saltstringsaltstring',
    'Hello world!',
    '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
  ],
  [
    '$6$rounds=5000$toolongsaltstring',
    'This is just a test',
    '$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0',
  ],
  [
    '$6$rounds=1400$anotherlongsaltstring',
    'a very much longer text to encrypt.  This one even stretches over morethan one line.',
    '$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1',
  ],
  [
    '$6$rounds=77777$short',
    'we have a short salt string but not a short password',
    '$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0',
  ],
  [
    '$6$rounds=123456$asaltof16chars..',
    'a short string',
    '$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1',
  ],
  [
    '$6$rounds=10$roundstoolow',
    'the minimum number is still observed',
    '$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.',
  ],
];

describe('sha512Crypt', () => {
  test.each(vectors)('%s / %s', (setting, password, expected) => {
    expect(sha512CryptWithSetting(password, setting)).toBe(expected);
  });

  test('matches openssl passwd -6 for random salts and unicode passwords', () => {
    for (const password of ['hypriot', 'pässwörd 🐙', 'it\'s "quoted" $(x)', 'x'.repeat(200)]) {
      const salt = randomSalt();
      const ours = sha512Crypt(password, salt);
      const theirs = execFileSync('openssl', ['passwd', '-6', '-salt', salt, '-stdin'], {
        input: password + '\n',
      })
        .toString()
        .trim();
      expect(ours).toBe(theirs);
    }
  });

  test('seed passwords use 100,000 rounds (not glibc’s 5,000) and verify as glibc would', () => {
    const h = hashSeedPassword('correct horse');
    expect(h).toMatch(/^\$6\$rounds=100000\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    expect(sha512CryptWithSetting('correct horse', h)).toBe(h);
    expect(sha512CryptWithSetting('correct horsE', h)).not.toBe(h);
  });

  test('random salts are 16 characters of the crypt alphabet and differ', () => {
    const a = randomSalt();
    expect(a).toMatch(/^[./0-9A-Za-z]{16}$/);
    expect(randomSalt()).not.toBe(a);
    expect(sha512Crypt('pw')).toMatch(/^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
  });
});
