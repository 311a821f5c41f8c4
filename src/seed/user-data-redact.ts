/**
 * The copy of user-data kept on the card (`armada/user-data`) is the file as given, minus its
 * secrets: the point of deriving the PSK and hashing passwords on the laptop is that no
 * passphrase ever reaches the FAT partition, which anyone holding the card can read.
 * Secrets are cut out by their source ranges, so every other byte stays as written.
 */
import { isPair, isScalar, parseDocument, visit, type Node, type Pair } from 'yaml';

export const redacted = '"<redacted by armada>"';

const secretKeys = new Set(['plain_text_passwd', 'passwd', 'hashed_passwd', 'password', 'psk']);

function keyOf(pair: Pair): string | undefined {
  return isScalar(pair.key) && typeof pair.key.value === 'string' ? pair.key.value : undefined;
}

export function redactUserData(text: string): string {
  const doc = parseDocument(text, { version: '1.1' });
  if (doc.errors.length) return '# armada: user-data not kept (it did not parse)\n';
  const ranges: [number, number][] = [];
  const cut = (node: unknown) => {
    const r = (node as Node | null)?.range;
    if (r) ranges.push([r[0], r[1]]);
  };
  visit(doc, {
    Pair(_, pair) {
      const key = keyOf(pair);
      if (key && secretKeys.has(key) && pair.value) cut(pair.value);
      // chpasswd.list holds "user:password" lines.
      if (key === 'list' && pair.value) cut(pair.value);
    },
    Map(_, map) {
      // write_files entries that carry a wpa_supplicant.conf: the whole content goes.
      const path = map.items.find((p) => isPair(p) && keyOf(p) === 'path');
      const content = map.items.find((p) => isPair(p) && keyOf(p) === 'content');
      if (
        path &&
        content &&
        isScalar(path.value) &&
        /wpa_supplicant/.test(String(path.value.value))
      )
        cut(content.value);
    },
  });
  // wifis access points are keyed by SSID; their password is found by the Pair rule above.
  const unique = [...new Map(ranges.map((r) => [`${r[0]}:${r[1]}`, r])).values()];
  const inside = (a: [number, number], b: [number, number]) =>
    b[0] <= a[0] && b[1] >= a[1] && (b[0] !== a[0] || b[1] !== a[1]);
  const outer = unique.filter((r) => !unique.some((o) => inside(r, o))).sort((a, b) => b[0] - a[0]);
  let out = text;
  for (const [start, end] of outer) {
    const tail = out.slice(start, end).endsWith('\n') ? '\n' : '';
    out = out.slice(0, start) + redacted + tail + out.slice(end);
  }
  return out;
}
