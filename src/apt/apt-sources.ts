/**
 * The build host's apt sources, so that no mirror host is ever written into armada: without
 * --mirror we bootstrap from the same archive the host already trusts. Pure parsers; reading the
 * files is in read-apt-sources.ts.
 */
export interface AptSource {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  architectures?: string[];
  /** The keyring file the host trusts for this source alone (`signed-by`); kept on mirror lines. */
  signedBy?: string;
}

/** Pure: a signed-by value that is one keyring file (an inline key block cannot go on a line). */
function keyringPath(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v && /^\/[^\s\]]+$/.test(v) ? v : undefined;
}

/** One-line format: `deb [arch=amd64 signed-by=…] URI suite comp…`. */
export function parseSourcesList(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const opts = Object.fromEntries(
      (m[2] ?? '')
        .split(/\s+/)
        .filter(Boolean)
        .map((kv) => kv.split('=') as [string, string]),
    );
    out.push({
      types: [m[1]],
      uris: [m[3]],
      suites: [m[4]],
      components: (m[5] ?? '').split(/\s+/).filter(Boolean),
      ...(opts.arch ? { architectures: opts.arch.split(',') } : {}),
      ...(keyringPath(opts['signed-by']) ? { signedBy: keyringPath(opts['signed-by']) } : {}),
    });
  }
  return out;
}

/** deb822 format (`*.sources`): paragraphs of `Field: value`. */
export function parseDeb822Sources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    let last = '';
    for (const raw of para.split('\n')) {
      if (raw.startsWith('#')) continue;
      if (/^\s/.test(raw) && last) {
        fields[last] += ' ' + raw.trim();
        continue;
      }
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
      if (m) {
        last = m[1].toLowerCase();
        fields[last] = m[2].trim();
      }
    }
    if (!fields.uris || !fields.suites) continue;
    if ((fields.enabled ?? 'yes').toLowerCase() === 'no') continue;
    const words = (s?: string) => (s ?? '').split(/\s+/).filter(Boolean);
    out.push({
      types: words(fields.types ?? 'deb'),
      uris: words(fields.uris),
      suites: words(fields.suites),
      components: words(fields.components),
      ...(fields.architectures ? { architectures: words(fields.architectures) } : {}),
      ...(keyringPath(fields['signed-by']) ? { signedBy: keyringPath(fields['signed-by']) } : {}),
    });
  }
  return out;
}

/**
 * mmdebstrap mirror lines for suite (+ -updates and -security when the host has them), or [] when
 * the host knows no archive for this suite (then mmdebstrap picks its own default).
 */
export function mirrorLinesFor(
  sources: readonly AptSource[],
  suite: string,
  arch: string,
  components: readonly string[],
): string[] {
  const usable = sources.filter(
    (s) => s.types.includes('deb') && (!s.architectures || s.architectures.includes(arch)),
  );
  // The host's signed-by goes along: that source is trusted with that keyring only.
  const lineFor = (wanted: string) => {
    const src = usable.find((s) => s.suites.includes(wanted));
    if (!src) return undefined;
    const opts = src.signedBy ? `[signed-by=${src.signedBy}] ` : '';
    return `deb ${opts}${src.uris[0]} ${wanted} ${components.join(' ')}`;
  };
  const main = lineFor(suite);
  if (!main) return [];
  const lines = [main];
  for (const extra of [`${suite}-updates`, `${suite}-security`]) {
    const line = lineFor(extra);
    if (line) lines.push(line);
  }
  return lines;
}

/** --mirror may be a URL (expanded like the host's archive) or a full `deb …` line. */
export function mirrorLinesFromOption(
  mirror: string,
  suite: string,
  components: readonly string[],
): string[] {
  return mirror
    .split(/\n|;/)
    .map((m) => m.trim())
    .filter(Boolean)
    .map((m) =>
      m.startsWith('deb ') ? m : `deb ${m.replace(/\/+$/, '')} ${suite} ${components.join(' ')}`,
    );
}

/** Pure: a mirror line without its `[options]` (they say how to verify, not what is installed). */
export function withoutOptions(line: string): string {
  return line.replace(/^(deb(?:-src)?)\s+\[[^\]]*\]\s+/, '$1 ');
}

/** The Release file whose content identifies the archive state of a mirror line. */
export function inReleaseUrl(line: string): string | undefined {
  const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
  if (!m || !/^https?:/.test(m[1])) return undefined;
  return `${m[1].replace(/\/+$/, '')}/dists/${m[2]}/InRelease`;
}

/** Pure: one `deb URI suite components` line per URI and suite of each binary source. */
export function sourceLines(sources: readonly AptSource[]): string[] {
  return sources
    .filter((s) => s.types.includes('deb'))
    .flatMap((s) =>
      s.uris.flatMap((uri) =>
        s.suites.map((suite) => `deb ${uri} ${suite} ${s.components.join(' ')}`.trim()),
      ),
    );
}

/**
 * Pure: the file name apt keeps a source's InRelease under in /var/lib/apt/lists (apt's
 * URItoFileName: no scheme or credentials, special characters %-quoted, slashes as underscores).
 */
export function inReleaseListName(line: string): string | undefined {
  const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
  if (!m) return undefined;
  const uri = `${m[1].replace(/\/*$/, '/')}dists/${m[2]}/InRelease`
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/^[^@/]*@/, '');
  const quoted = [...uri]
    .map((c) =>
      /[\\|{}[\]<>"^~_=!@#$%&*]/.test(c) || c <= ' ' || c >= '\x7f'
        ? `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`
        : c,
    )
    .join('');
  return quoted.replaceAll('/', '_');
}
