import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseUserData } from '../../../src/seed/user-data.js';
import { warnLoginRisks, type LoginFacts } from '../../../src/seed/user-data-risks.js';
import { ProblemList } from '../../../src/seed/yaml-problems.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/seed/${name}`, import.meta.url), 'utf8');
const key =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICthKi5dhyo0I4rAbxZReVryOJuN6aYjfDsfzQBtx6FN pirate@laptop';

/** The login-risk warnings of a user-data text, as "line path: first words". */
function risks(text: string): string[] {
  const r = parseUserData(text);
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
  return r.warnings
    .filter((w) => /plain text|ssh_pwauth: true|NOPASSWD/.test(w.message))
    .map((w) => `${w.line} ${w.path}`);
}

describe('user-data login risks: one warning each', () => {
  test('HypriotOS wifi sample: plain-text sample password, SSH password login, NOPASSWD sudo', () => {
    const r = parseUserData(fixture('hypriot-wifi.yaml'));
    if (!r.ok) throw new Error('expected ok');
    expect(risks(fixture('hypriot-wifi.yaml'))).toEqual([
      '13 users[0].sudo',
      '16 users[0].plain_text_passwd',
      '18 users[0].ssh_pwauth',
    ]);
    const plain = r.warnings.find((w) => w.path === 'users[0].plain_text_passwd' && w.fix)!;
    expect(plain.message).toMatch(/plain text.*'pirate'.*HypriotOS's published sample password/);
    for (const w of r.warnings) expect(`${w.message} ${w.fix}`).not.toMatch(/\n/);
  });

  test.each([
    [
      'top-level password and ssh_pwauth',
      `#cloud-config\nusers: [{name: pi}]\npassword: 'Correct-Horse-9'\nssh_pwauth: true\n`,
      ['3 password', '4 ssh_pwauth'],
    ],
    [
      'chpasswd list',
      '#cloud-config\nusers: [{name: pi}]\nchpasswd:\n  list: |\n    pi:Correct-Horse-9\n',
      ['4 chpasswd.list'],
    ],
    [
      'Raspberry Pi Imager: a hash (not plain), lock_passwd: false, ssh_pwauth: true',
      fixture('rpi-imager.yaml'),
      ['22 ssh_pwauth'],
    ],
    [
      'lock_passwd: true: the password is not seeded, SSH cannot accept it',
      "#cloud-config\nusers:\n  - {name: pi, lock_passwd: true, plain_text_passwd: 'Correct-Horse-9'}\nssh_pwauth: true\n",
      [],
    ],
    [
      'keys only, ssh_pwauth: false, sudo asking for a password',
      `#cloud-config\nusers:\n  - name: pi\n    sudo: 'ALL=(ALL) ALL'\n    ssh_authorized_keys: ['${key}']\nssh_pwauth: false\n`,
      [],
    ],
    [
      // What Raspberry Pi Imager and cloud images write: nothing to warn about.
      'keys only with NOPASSWD sudo',
      `#cloud-config\nusers:\n  - name: pi\n    sudo: ALL=(ALL) NOPASSWD:ALL\n    ssh_authorized_keys: ['${key}']\n`,
      [],
    ],
    [
      'a hashed password with NOPASSWD sudo',
      `#cloud-config\nusers:\n  - name: pi\n    sudo: ALL=(ALL) NOPASSWD:ALL\n    passwd: '$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1'\n    lock_passwd: false\n    ssh_authorized_keys: ['${key}']\n`,
      ['4 users[0].sudo'],
    ],
  ])('%s', (_name, text, expected) => {
    expect(risks(text)).toEqual(expected);
  });

  test('the password itself is never in a warning; a weak one is called weak', () => {
    const secret = 'Correct-Horse-9';
    const r = parseUserData(`#cloud-config\nusers: [{name: pi, plain_text_passwd: '${secret}'}]\n`);
    if (!r.ok) throw new Error('expected ok');
    expect(JSON.stringify(r.warnings)).not.toContain(secret);
    const p = new ProblemList();
    const facts: LoginFacts = {
      user: 'pi',
      plainPassword: { value: 'raspberry', at: ['password'] },
      hasPassword: true,
    };
    warnLoginRisks(facts, p);
    expect(p.problems).toEqual([
      expect.objectContaining({
        severity: 'warning',
        path: 'password',
        message: expect.stringMatching(/weak \(a well-known password\)/) as unknown,
      }),
    ]);
    expect(p.problems[0].message).not.toContain('raspberry');
  });
});
