import { describe, expect, it } from 'vitest';
import {
  allowedSigners,
  describeVerdict,
  parseGoodSignature,
  parsePrincipals,
  parseTrustedKeys,
  signCommand,
  verifyCommand,
} from '../../../src/sign/sshsig.js';
import { signatureBeside } from '../../../src/source/verify-sums.js';

const ed = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

describe('trusted keys', () => {
  it('reads one public key per line, its comment as the name', () => {
    const { keys, problems } = parseTrustedKeys(
      `# release keys\n\n${ed} release@armada\nfrom="10.0.0.1" ${ed}\n`,
      '/c/trusted-keys',
    );
    expect(problems).toEqual([]);
    expect(keys).toEqual([
      { principal: 'key-3', name: 'release@armada', key: ed },
      { principal: 'key-4', name: 'ssh-ed25519', key: ed },
    ]);
    expect(allowedSigners(keys)).toBe(
      `key-3 namespaces="armada-release" ${ed}\nkey-4 namespaces="armada-release" ${ed}\n`,
    );
  });

  it('lists every bad line, never quoting it', () => {
    const { keys, problems } = parseTrustedKeys(
      '-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key at all\n',
      '/c/tk',
    );
    expect(keys).toEqual([]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^\/c\/tk line 1: this is a PRIVATE key/);
    expect(problems[1]).toMatch(/^\/c\/tk line 2: the line is not an OpenSSH public key/);
    expect(problems.join()).not.toContain('not a key at all');
  });
});

describe('ssh-keygen', () => {
  it('signs and verifies in armada-release', () => {
    expect(signCommand('/k/id', '/o/SHA256SUMS')).toEqual([
      'ssh-keygen',
      ['-q', '-Y', 'sign', '-n', 'armada-release', '-f', '/k/id', '/o/SHA256SUMS'],
    ]);
    expect(verifyCommand('/t/allowed', 'key-3', '/t/s.sig')[1]).toEqual([
      '-Y',
      'verify',
      '-f',
      '/t/allowed',
      '-I',
      'key-3',
      '-n',
      'armada-release',
      '-s',
      '/t/s.sig',
    ]);
  });

  it("reads ssh-keygen's answers", () => {
    expect(
      parseGoodSignature(
        'Good "armada-release" signature for key-3 with ED25519 key SHA256:abcDEF+/12\n',
      ),
    ).toBe('SHA256:abcDEF+/12');
    expect(parseGoodSignature('Could not verify signature.\n')).toBeUndefined();
    expect(parsePrincipals('key-3\nkey-5\n')).toEqual(['key-3', 'key-5']);
  });
});

describe('the signature and the verdict', () => {
  it('is SHA256SUMS.sig beside the file or URL', () => {
    expect(signatureBeside('/r/SHA256SUMS')).toBe('/r/SHA256SUMS.sig');
    expect(signatureBeside('https://e.example/r/SHA256SUMS?x=1')).toBe(
      'https://e.example/r/SHA256SUMS.sig?x=1',
    );
  });

  it('says which key signed, or honestly that none did', () => {
    expect(
      describeVerdict({ status: 'verified', name: 'rel', fingerprint: 'SHA256:x', signature: 's' }),
    ).toBe('signed by rel (SHA256:x)');
    expect(describeVerdict({ status: 'not-signed' })).toBe('not signed');
    expect(describeVerdict({ status: 'no-trusted-keys', signature: 's' })).toBe(
      'signed, but not checked: no trusted keys',
    );
  });
});
