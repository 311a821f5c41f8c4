/**
 * A SHA256SUMS's detached signature (`SHA256SUMS.sig` beside it), checked with ssh-keygen against
 * the keys the user trusts (`<config dir>/trusted-keys`, or a file given). Missing signature or
 * no trusted keys are said as they are; with `require`, either refuses. A signature that does not
 * verify always refuses (exit 3), before any byte of the image is read.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckFailedError, UserError } from '../errors.js';
import { requireTool, run } from '../exec.js';
import { unlessMissing } from '../fs-errors.js';
import { httpText } from './http.js';
import { isUrl } from './detect.js';
import { tempDir } from '../temp-dir.js';
import {
  allowedSigners,
  findPrincipalsCommand,
  parseGoodSignature,
  parsePrincipals,
  parseTrustedKeys,
  signatureMaxBytes,
  signatureSuffix,
  verifyCommand,
  type SignatureVerdict,
  type TrustedKey,
} from '../sign/sshsig.js';

export interface SignatureChoice {
  /** The trusted-keys file (one OpenSSH public key per line). */
  trustedKeys: string;
  /** --require-signature: refuse an unsigned SHA256SUMS, and one nobody can check. */
  require?: boolean;
}

/** Where the signature of `sums` (a path or URL) lives. */
export function signatureBeside(sums: string): string {
  if (!isUrl(sums)) return `${sums}${signatureSuffix}`;
  const url = new URL(sums);
  url.pathname += signatureSuffix;
  return url.toString();
}

async function readSignature(location: string): Promise<string | undefined> {
  if (isUrl(location)) return httpText(location, signatureMaxBytes);
  const text = await unlessMissing(readFile(location, 'utf8'), undefined);
  if (text !== undefined && text.length > signatureMaxBytes)
    throw new CheckFailedError(`${location} is not a signature (${text.length} bytes)`);
  return text;
}

export async function readTrustedKeys(path: string): Promise<TrustedKey[]> {
  const text = await unlessMissing(readFile(path, 'utf8'), '');
  const { keys, problems } = parseTrustedKeys(text, path);
  if (problems.length)
    throw new UserError(`${path} has lines that are not OpenSSH public keys; fix them`, problems);
  return keys;
}

/** `text` is the SHA256SUMS as read from `sums`: the very bytes the image is checked against. */
export async function checkSumsSignature(
  sums: string,
  text: string,
  choice: SignatureChoice,
): Promise<SignatureVerdict> {
  const location = signatureBeside(sums);
  const signature = await readSignature(location);
  if (signature === undefined) {
    if (choice.require)
      throw new CheckFailedError(
        `${sums} is not signed (no ${location}); --require-signature refuses it`,
      );
    return { status: 'not-signed' };
  }
  const keys = await readTrustedKeys(choice.trustedKeys);
  if (!keys.length) {
    if (choice.require)
      throw new UserError(
        `no trusted keys in ${choice.trustedKeys} to check ${location} with; add the release key's public key line (or pass --trusted-keys FILE)`,
      );
    return { status: 'no-trusted-keys', signature: location };
  }
  await requireTool('ssh-keygen');
  const tmp = await tempDir('armada-sig-');
  try {
    const allowed = join(tmp.dir, 'allowed_signers');
    const sig = join(tmp.dir, 'SHA256SUMS.sig');
    await writeFile(allowed, allowedSigners(keys));
    await writeFile(sig, signature);
    const found = await run(findPrincipalsCommand(allowed, sig), { allowFailure: true });
    const principal = found.exitCode === 0 ? parsePrincipals(found.stdout)[0] : undefined;
    const key = keys.find((k) => k.principal === principal);
    if (!key)
      throw new CheckFailedError(
        `${location} is not a signature by a key in ${choice.trustedKeys}; nothing was written`,
      );
    const verified = await run(verifyCommand(allowed, key.principal, sig), {
      input: text,
      allowFailure: true,
    });
    const fingerprint = parseGoodSignature(verified.stdout + verified.stderr);
    if (verified.exitCode !== 0 || !fingerprint)
      throw new CheckFailedError(
        `${sums} does not match its signature by ${key.name} (${location}): it was changed after signing; nothing was written`,
      );
    return { status: 'verified', name: key.name, fingerprint, signature: location };
  } finally {
    await tmp.remove();
  }
}
