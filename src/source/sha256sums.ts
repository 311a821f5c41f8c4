/**
 * SHA256SUMS files (`sha256sum` output: "<hex>  name" or "<hex> *name" in binary mode) and where
 * one lies next to an image. Pure.
 */

export function parseSha256Sums(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trim());
    if (m) out.set(m[2].replace(/^\.\//, ''), m[1].toLowerCase());
  }
  return out;
}

export function isSha256(value: string): boolean {
  return /^[0-9a-fA-F]{64}$/.test(value);
}

/** The SHA256SUMS beside an image path or URL, and the name the image has in it. */
export function sumsBeside(image: string): { sums: string; name: string } {
  if (/^https?:\/\//i.test(image)) {
    const url = new URL(image);
    const name = decodeURIComponent(url.pathname.split('/').pop() ?? '');
    url.search = '';
    url.hash = '';
    return { sums: new URL('SHA256SUMS', url).toString(), name };
  }
  const slash = image.lastIndexOf('/');
  return {
    sums: slash >= 0 ? `${image.slice(0, slash + 1)}SHA256SUMS` : 'SHA256SUMS',
    name: image.slice(slash + 1),
  };
}
