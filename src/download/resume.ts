/**
 * What to do with a server's answer to a (possibly ranged) GET, given how many bytes of the file
 * are already on disk. Pure: the download loop applies it.
 */

export type ResumeDecision =
  /** 206 from where we stopped: append. */
  | { action: 'append'; total?: number }
  /** 200: the whole resource follows (the server ignores ranges, or it changed): start over. */
  | { action: 'restart'; total?: number }
  /** 416 for a range starting at the resource's end: what we have may be the whole file. */
  | { action: 'complete' }
  /** A range we did not ask for, or 416 elsewhere: drop the partial file and ask for all of it. */
  | { action: 'discard' }
  /** An error status; `retry` for the ones worth asking again (5xx, 408, 429). */
  | { action: 'fail'; retry: boolean };

/** The request headers that resume a file of `have` bytes (`validator`: its ETag or date). */
export function resumeHeaders(have: number, validator?: string): Record<string, string> {
  if (have <= 0) return {};
  return { range: `bytes=${have}-`, ...(validator ? { 'if-range': validator } : {}) };
}

export interface ContentRange {
  start?: number;
  end?: number;
  total?: number;
}

/** `bytes 100-199/1000`, `bytes 100-199/*`, `bytes *\/1000`. */
export function parseContentRange(header: string | null): ContentRange | undefined {
  const m = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(header?.trim() ?? '');
  if (!m) return undefined;
  return {
    ...(m[1] === undefined ? {} : { start: Number(m[1]), end: Number(m[2]) }),
    ...(m[3] === '*' ? {} : { total: Number(m[3]) }),
  };
}

const total = (n: number | undefined) => (n === undefined ? {} : { total: n });

export function decideResume(
  have: number,
  status: number,
  headers: { contentRange: string | null; contentLength: string | null },
): ResumeDecision {
  const range = parseContentRange(headers.contentRange);
  if (status === 200) {
    const length = headers.contentLength;
    return {
      action: 'restart',
      ...total(length && /^\d+$/.test(length) ? Number(length) : undefined),
    };
  }
  if (status === 206) {
    if (range?.start === have) return { action: 'append', ...total(range.total) };
    return { action: 'discard' };
  }
  if (status === 416) {
    return have > 0 && range?.total === have ? { action: 'complete' } : { action: 'discard' };
  }
  return { action: 'fail', retry: status >= 500 || status === 408 || status === 429 };
}
