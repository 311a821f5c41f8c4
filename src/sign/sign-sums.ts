/**
 * build --sign-key: SHA256SUMS signed with ssh-keygen (sshsig, namespace armada-release) as
 * SHA256SUMS.sig beside it. The key is checked before the build's slow steps, so a typo does not
 * cost a build.
 */
import { access, constants } from 'node:fs/promises';
import { OptionError } from '../errors.js';
import { requireTool, run } from '../exec.js';
import { signCommand, signatureSuffix } from './sshsig.js';

export async function checkSignKey(key: string): Promise<void> {
  await requireTool('ssh-keygen');
  try {
    await access(key, constants.R_OK);
  } catch {
    throw new OptionError(
      (o) =>
        `${o('signKey')} ${key} cannot be read; give an OpenSSH private key file (or the .pub of a key loaded in ssh-agent)`,
    );
  }
}

/** Writes `<file>.sig`; returns its path. */
export async function signFile(key: string, file: string): Promise<string> {
  await run(signCommand(key, file));
  return `${file}${signatureSuffix}`;
}
