import { describe, expect, it } from 'vitest';
import { cacheName, entryDir } from '../../../src/download/cache-dir.js';
import { decideResume, parseContentRange, resumeHeaders } from '../../../src/download/resume.js';

const h = (contentRange: string | null, contentLength: string | null = null) => ({
  contentRange,
  contentLength,
});

describe('resuming a download', () => {
  it('asks for the rest only when something is there, with If-Range when a validator is known', () => {
    expect(resumeHeaders(0, '"x"')).toEqual({});
    expect(resumeHeaders(100)).toEqual({ range: 'bytes=100-' });
    expect(resumeHeaders(100, '"abc"')).toEqual({ range: 'bytes=100-', 'if-range': '"abc"' });
  });

  it.each([
    ['bytes 100-199/1000', { start: 100, end: 199, total: 1000 }],
    ['bytes 100-199/*', { start: 100, end: 199 }],
    ['bytes */1000', { total: 1000 }],
    ['items 1-2/3', undefined],
    [null, undefined],
  ])('parses Content-Range %s', (header, expected) => {
    expect(parseContentRange(header)).toEqual(expected);
  });

  it.each([
    [0, 200, h(null, '1000'), { action: 'restart', total: 1000 }],
    [500, 200, h(null, null), { action: 'restart' }],
    [500, 206, h('bytes 500-999/1000'), { action: 'append', total: 1000 }],
    [0, 206, h('bytes 0-999/1000'), { action: 'append', total: 1000 }],
    [500, 206, h('bytes 400-999/1000'), { action: 'discard' }],
    [500, 206, h(null), { action: 'discard' }],
    [1000, 416, h('bytes */1000'), { action: 'complete' }],
    [1200, 416, h('bytes */1000'), { action: 'discard' }],
    [0, 404, h(null), { action: 'fail', retry: false }],
    [0, 403, h(null), { action: 'fail', retry: false }],
    [0, 503, h(null), { action: 'fail', retry: true }],
    [0, 429, h(null), { action: 'fail', retry: true }],
  ] as const)('with %i bytes, HTTP %i %o → %o', (have, status, headers, expected) => {
    expect(decideResume(have, status, headers)).toEqual(expected);
  });
});

describe('the download cache', () => {
  it('names an entry by the lower-case sha256 and a file by the URL, made safe', () => {
    expect(entryDir('/d', 'AB'.repeat(32))).toBe(`/d/${'ab'.repeat(32)}`);
    expect(cacheName('https://h/r/armada-arm64.img.xz?token=1')).toBe('armada-arm64.img.xz');
    expect(cacheName('https://h/a/%2E%2E')).toBe('download');
    expect(cacheName('https://h/a/..%2F..%2Fetc%2Fpasswd')).toBe('_.._etc_passwd');
    expect(cacheName('https://h/')).toBe('download');
    expect(cacheName('https://h/my%20image.img')).toBe('my_image.img');
  });
});
