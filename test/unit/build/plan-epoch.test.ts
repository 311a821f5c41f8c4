import { describe, expect, it } from 'vitest';
import { decideEpoch, releaseDate } from '../../../src/build/plan-epoch.js';

/** The head of a signed InRelease as apt keeps it. */
const inRelease = (date: string) =>
  `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOrigin: Debian\nLabel: Debian\nSuite: stable\nCodename: trixie\nDate: ${date}\nValid-Until: Sun, 13 Dec 2026 02:54:30 UTC\nArchitectures: all amd64 arm64\n`;

describe('releaseDate', () => {
  it.each([
    ['Sun, 06 Dec 2026 02:54:30 UTC', 1796525670],
    ['Sat, 21 Nov 2026 09:15:44 UTC', 1795252544],
    ['Sat, 21 Nov 2026 09:15:44 +0100', 1795248944],
  ])('reads the Date field %s', (date, seconds) => {
    expect(releaseDate(inRelease(date))).toBe(seconds);
  });

  it('takes the Date field, not Valid-Until, and none when there is none or it is not a date', () => {
    expect(releaseDate('Origin: Debian\nValid-Until: Sun, 13 Dec 2026 02:54:30 UTC\n')).toBe(
      undefined,
    );
    expect(releaseDate('Origin: Debian\nDate: soon\n')).toBe(undefined);
    expect(releaseDate('')).toBe(undefined);
  });
});

describe('decideEpoch', () => {
  const main = inRelease('Sat, 21 Nov 2026 09:15:44 UTC');
  const security = inRelease('Sun, 06 Dec 2026 02:54:30 UTC');

  it.each([
    [
      'SOURCE_DATE_EPOCH as given, whatever the stage holds',
      { given: 1767225600, inReleases: [main, security], stageUpdatedAt: '2026-12-07T16:23:32Z' },
      { epoch: 1767225600, from: 'SOURCE_DATE_EPOCH' },
    ],
    [
      "the newest of the stage's InRelease dates (security's, not main's)",
      { inReleases: [main, security], stageUpdatedAt: '2026-12-07T16:23:32Z' },
      { epoch: 1796525670, from: 'archive' },
    ],
    [
      'an InRelease without a date does not count',
      { inReleases: ['Origin: Debian\n', main] },
      { epoch: 1795252544, from: 'archive' },
    ],
    [
      "no InRelease kept (a file: mirror, an older stage): the stage's updatedAt",
      { inReleases: [], stageUpdatedAt: '2026-12-07T16:23:32.795Z' },
      { epoch: 1796660612, from: 'stage' },
    ],
    ['nothing to derive it from: the clock', { inReleases: [] }, { from: 'clock' }],
    [
      'an unreadable updatedAt: the clock',
      { inReleases: [], stageUpdatedAt: 'yesterday' },
      { from: 'clock' },
    ],
  ])('%s', (_, inputs, decision) => {
    expect(decideEpoch(inputs)).toEqual(decision);
  });

  it('gives the same time for the same stage, whatever the order its files are read in', () => {
    expect(decideEpoch({ inReleases: [security, main] })).toEqual(
      decideEpoch({ inReleases: [main, security] }),
    );
  });
});
