import { describe, expect, it } from 'vitest';
import {
  inReleaseUrl,
  mirrorLinesFor,
  mirrorLinesFromOption,
  parseDeb822Sources,
  parseSourcesList,
  withoutOptions,
} from '../../../src/apt/apt-sources.js';

// Recorded from a Debian bookworm host (host names replaced by example ones).
const deb822 = `Types: deb
# http://snapshot.example/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: https://vendor.example/node_20.x
Suites: nodistro
Components: main
Architectures: amd64
`;

describe('apt sources', () => {
  it('parses deb822 paragraphs and skips comments', () => {
    const s = parseDeb822Sources(deb822);
    expect(s).toHaveLength(3);
    expect(s[0]).toMatchObject({
      uris: ['http://mirror.example/debian'],
      suites: ['bookworm', 'bookworm-updates'],
    });
    expect(s[2].architectures).toEqual(['amd64']);
  });

  it('skips disabled deb822 entries', () => {
    expect(parseDeb822Sources('Types: deb\nURIs: http://x\nSuites: s\nEnabled: no\n')).toEqual([]);
  });

  it('parses one-line sources with options', () => {
    const s = parseSourcesList(
      '# c\ndeb [arch=amd64 signed-by=/k.gpg] https://v.example/apt cloud-sdk main\ndeb-src http://m.example/debian bookworm main\n',
    );
    expect(s).toEqual([
      {
        types: ['deb'],
        uris: ['https://v.example/apt'],
        suites: ['cloud-sdk'],
        components: ['main'],
        architectures: ['amd64'],
        signedBy: '/k.gpg',
      },
      {
        types: ['deb-src'],
        uris: ['http://m.example/debian'],
        suites: ['bookworm'],
        components: ['main'],
      },
    ]);
  });

  it('builds mirror lines for the suite, its updates and security', () => {
    expect(
      mirrorLinesFor(parseDeb822Sources(deb822), 'bookworm', 'arm64', [
        'main',
        'non-free-firmware',
      ]),
    ).toEqual([
      'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example/debian bookworm main non-free-firmware',
      'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example/debian bookworm-updates main non-free-firmware',
      'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example/debian-security bookworm-security main non-free-firmware',
    ]);
  });

  it('keeps a one-line source’s signed-by; an inline key block is not a file and is left out', () => {
    const one = parseSourcesList('deb [signed-by=/k.gpg] http://m.example/debian trixie main\n');
    expect(mirrorLinesFor(one, 'trixie', 'arm64', ['main'])).toEqual([
      'deb [signed-by=/k.gpg] http://m.example/debian trixie main',
    ]);
    const inline = parseDeb822Sources(
      'Types: deb\nURIs: http://m.example/debian\nSuites: trixie\nComponents: main\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n xyz\n -----END PGP PUBLIC KEY BLOCK-----\n',
    );
    expect(mirrorLinesFor(inline, 'trixie', 'arm64', ['main'])).toEqual([
      'deb http://m.example/debian trixie main',
    ]);
    expect(withoutOptions('deb [signed-by=/k.gpg arch=arm64] http://m/d s c')).toBe(
      'deb http://m/d s c',
    );
    expect(inReleaseUrl('deb [signed-by=/k.gpg] http://m/d s c')).toBe(
      'http://m/d/dists/s/InRelease',
    );
  });

  it('returns no lines when the host knows no archive for the suite (mmdebstrap chooses)', () => {
    expect(mirrorLinesFor(parseDeb822Sources(deb822), 'trixie', 'arm64', ['main'])).toEqual([]);
  });

  it('ignores sources restricted to another architecture', () => {
    const s = parseSourcesList('deb [arch=amd64] http://a.example/debian bookworm main\n');
    expect(mirrorLinesFor(s, 'bookworm', 'arm64', ['main'])).toEqual([]);
  });

  it('expands a --mirror URL and keeps full deb lines', () => {
    expect(mirrorLinesFromOption('http://r.example/raspbian/', 'bookworm', ['main'])).toEqual([
      'deb http://r.example/raspbian bookworm main',
    ]);
    expect(mirrorLinesFromOption('deb http://a/x s c', 'bookworm', ['main'])).toEqual([
      'deb http://a/x s c',
    ]);
  });

  it('finds the InRelease URL of a line', () => {
    expect(inReleaseUrl('deb http://m.example/debian/ bookworm main')).toBe(
      'http://m.example/debian/dists/bookworm/InRelease',
    );
    expect(inReleaseUrl('deb file:///srv/repo bookworm main')).toBeUndefined();
  });
});
