/**
 * An OpenSSH public key line checked before it goes to a card (seed) or into a trusted-keys list
 * (sign): below both, so neither needs the other. Pure. Each check returns undefined when the
 * value is fine, else what is wrong and the fix.
 */
export interface Finding {
  message: string;
  fix: string;
}

export const bad = (message: string, fix: string): Finding => ({ message, fix });

/** Anything that would break a one-line `KEY='value'` or a tab-separated file. */
export function controlCharacter(value: string): Finding | undefined {
  if (/[\n\r]/.test(value)) return bad('contains a line break', 'put the value on one line');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(value))
    return bad('contains a control character', 'remove it');
  return undefined;
}

const keyTypes = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'ssh-dss',
]);

/**
 * An OpenSSH public key line: `[options] type base64 [comment]`. The blob must decode and start
 * with its own type name, which catches truncated or mangled copy-pastes.
 */
export function checkSshKey(line: string): Finding | undefined {
  const text = line.trim();
  if (/PRIVATE KEY/.test(text))
    return bad(
      'this is a PRIVATE key',
      'give the public key (the .pub file); never copy a private key to a card',
    );
  const cc = controlCharacter(text);
  if (cc) return bad(`SSH key ${cc.message}`, 'give one key per line');
  const fields = text.split(/\s+/);
  const at = fields.findIndex((f) => keyTypes.has(f));
  if (at < 0)
    return bad(
      // Never quote the line: it may be key material.
      'the line is not an OpenSSH public key',
      "give a line like 'ssh-ed25519 AAAAC3Nz… you@laptop' (e.g. ~/.ssh/id_ed25519.pub)",
    );
  const type = fields[at];
  const blob = fields[at + 1] ?? '';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob))
    return bad(
      `the ${type} key has no valid base64 data`,
      'copy the whole line from the .pub file',
    );
  const raw = Buffer.from(blob, 'base64');
  const len = raw.length >= 4 ? raw.readUInt32BE(0) : -1;
  if (len <= 0 || raw.subarray(4, 4 + len).toString('latin1') !== type)
    return bad(
      `the ${type} key's data is damaged (it does not start with '${type}')`,
      'copy the whole line from the .pub file again',
    );
  if (type === 'ssh-dss')
    return bad(
      'DSA keys are disabled in current OpenSSH',
      'make an ed25519 key: ssh-keygen -t ed25519',
    );
  return undefined;
}
