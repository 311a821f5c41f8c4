/**
 * The copy of user-data kept on the card (`armada/user-data`) is the file as given, minus its
 * secrets: the point of deriving the PSK and hashing passwords on the laptop is that no
 * passphrase ever reaches the FAT partition, which anyone holding the card can read. The same
 * goes for everything in write_files contents and runcmd, which first boot also removes once applied.
 * Secrets are cut out by their source ranges, so every other byte stays as written.
 */
import { isMap, isScalar, isSeq, parseDocument, visit, type Node, type Pair } from 'yaml';

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
  });
  // write_files contents and runcmd lines: a psk= line, a token in /root/.env, `docker login -p`,
  // `tailscale up --authkey`. armada cannot tell which are secret, so every one is cut; the
  // paths, modes and owners stay for reference.
  const top = doc.contents;
  if (isMap(top)) {
    const files = top.get('write_files', true);
    if (isSeq(files))
      for (const entry of files.items)
        if (isMap(entry)) cut(entry.items.find((p) => keyOf(p) === 'content')?.value);
    for (const key of ['runcmd', 'bootcmd']) {
      const lines = top.get(key, true);
      if (isSeq(lines)) for (const line of lines.items) cut(line);
    }
  }
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
