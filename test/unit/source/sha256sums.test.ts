import { describe, expect, it } from 'vitest';
import { isSha256, parseSha256Sums, sumsBeside } from '../../../src/source/sha256sums.js';

const a = 'a'.repeat(64);
const b = 'B'.repeat(64);

describe('parseSha256Sums', () => {
  it('reads text and binary mode lines, lower-cases, ignores the rest', () => {
    const sums = parseSha256Sums(`${a}  pi.img.xz\n${b} *pi.zip\r\nnot a line\n${a}  ./pi.img\n`);
    expect([...sums]).toEqual([
      ['pi.img.xz', a],
      ['pi.zip', 'b'.repeat(64)],
      ['pi.img', a],
    ]);
  });

  it('keeps names with spaces', () => {
    expect(parseSha256Sums(`${a}  my pi.img`).get('my pi.img')).toBe(a);
  });
});

describe('sumsBeside', () => {
  it.each([
    ['/srv/out/pi.img.xz', '/srv/out/SHA256SUMS', 'pi.img.xz'],
    ['pi.img', 'SHA256SUMS', 'pi.img'],
    ['https://example.org/r/v1/pi.img.xz?x=1', 'https://example.org/r/v1/SHA256SUMS', 'pi.img.xz'],
    ['https://example.org/r/my%20pi.zip', 'https://example.org/r/SHA256SUMS', 'my pi.zip'],
  ])('%s → %s, %s', (image, sums, name) => {
    expect(sumsBeside(image)).toEqual({ sums, name });
  });
});

describe('isSha256', () => {
  it.each([
    [a, true],
    [b, true],
    ['a'.repeat(63), false],
    [`${'a'.repeat(63)}g`, false],
  ])('%s → %s', (v, ok) => expect(isSha256(v)).toBe(ok));
});
