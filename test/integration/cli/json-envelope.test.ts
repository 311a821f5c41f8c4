/**
 * One shape for every --json document (docs/json.md): each command that takes --json, found in
 * `armada --help` (so a new one is not forgotten here), prints exactly one JSON document on stdout
 * with `ok` and `command` first; on failure `ok: false` and an `error` whose exit code is the
 * process's.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { armada, buildCli, type CliResult } from '../../helpers/cli.js';
import { describeNeeds, toolsReason } from '../../helpers/needs.js';
import { suiteTempDir } from '../../helpers/tmp.js';

await buildCli();
const dir = await suiteTempDir('armada-json-');
const env = {
  ARMADA_CONFIG_DIR: join(dir, 'config'),
  ARMADA_CACHE_DIR: join(dir, 'cache'),
  DOCKER_CONFIG: join(dir, 'docker'),
};
const kernelConfig = new URL('../../fixtures/kernel/config-6.1-arm64-trimmed', import.meta.url)
  .pathname;
const img = join(dir, 'card.img');
const key = join(dir, 'id_ed25519');

/** The command words of each line under "Commands:" in a help text ('cache prune'). */
function listedCommands(help: string): string[][] {
  const section = /^Commands:\n((?: {2}.*\n)+)/m.exec(help)?.[1] ?? '';
  return section
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const words = line.trim().split(/\s+/).slice(1);
      return words.slice(
        0,
        words.findIndex((w) => !/^[a-z][a-z-]*$/.test(w)),
      );
    });
}

/** Every command (or subcommand) whose --help offers --json, walking the help pages. */
async function jsonCommands(words: string[] = []): Promise<string[]> {
  const help = (await armada([...words, '--help'], { env })).stdout;
  const listed = listedCommands(help);
  const deeper = listed.filter((c) => c.length > words.length);
  const found: string[] = [];
  // A leaf, or a group whose default command is the group itself (`armada config`).
  const isCommand = !deeper.length || listed.some((c) => c.length === words.length);
  if (words.length && isCommand && /^\s+--json\s/m.test(help)) found.push(words.join(' '));
  for (const sub of deeper) found.push(...(await jsonCommands(sub)));
  return found;
}

const commands = await jsonCommands();

/** A cheap run of each command that succeeds here, or why none is cheap (and what covers it). */
const success: Record<string, readonly string[] | { none: string }> = {
  build: { none: 'root, mmdebstrap and minutes: test/e2e (global-setup, build-artifacts)' },
  doctor: [],
  'check-kernel': [kernelConfig],
  flash: [img, join(dir, 'flashed.img'), '--no-seed', '--yes'],
  drives: [],
  verify: [img, img],
  configure: [img, '--hostname', 'pi-1', '--ssh-key', `${key}.pub`],
  inspect: [img],
  'ca init': [],
  'ca show': [],
  'ca path': [],
  connect: { none: 'a Docker TLS endpoint: test/e2e/laptop-guests.test.ts' },
  env: ['127.0.0.1'],
  discover: ['--timeout', '0.3'],
  'swarm up': { none: 'Docker hosts: test/e2e/laptop-guests.test.ts' },
  'swarm ls': { none: 'a swarm manager: test/e2e/laptop-guests.test.ts' },
  'swarm join': { none: 'Docker hosts: test/e2e/laptop-guests.test.ts' },
  'swarm leave': { none: 'a swarm: test/e2e/laptop-guests.test.ts' },
  config: [],
  'config set': ['wifiCountry', 'DE'],
  'config unset': ['wifiCountry'],
  'cache ls': [],
  'cache prune': ['--dry-run'],
};

const codes: Record<number, string> = {
  1: 'user-error',
  2: 'usage',
  3: 'check-failed',
  4: 'interrupted',
  70: 'internal',
};

/** stdout is exactly one JSON document in the envelope, consistent with the exit code. */
function envelope(r: CliResult, command: string | null): Record<string, unknown> {
  // JSON.parse refuses anything after the document: exactly one, nothing else on stdout.
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  expect(doc, r.stderr).toBeTypeOf('object');
  expect(Array.isArray(doc)).toBe(false);
  expect(Object.keys(doc).slice(0, 2)).toEqual(['ok', 'command']);
  expect(doc.command).toBe(command);
  if (r.code === 0) {
    expect(doc.ok, r.stderr).toBe(true);
    expect(doc).not.toHaveProperty('error');
  } else {
    expect(doc.ok).toBe(false);
    expect(doc.error).toMatchObject({
      code: codes[r.code!],
      exitCode: r.code,
      message: expect.stringMatching(/\w{3}/) as unknown,
    });
  }
  return doc;
}

describeNeeds(
  { unless: toolsReason('sfdisk', 'mkfs.vfat', 'mcopy', 'ssh-keygen', 'lsblk') },
  'every --json document has one envelope',
  () => {
    beforeAll(async () => {
      execFileSync('truncate', ['-s', '40M', img]);
      execFileSync('sfdisk', ['-q', img], { input: 'label: dos\nstart=2048, type=c\n' });
      execFileSync('mkfs.vfat', ['--offset', '2048', img, '39936'], { stdio: 'ignore' });
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
      const ca = await armada(['ca', 'init'], { env });
      expect(ca.code, ca.stderr).toBe(0);
    });

    test('the commands are found in --help, and each has a case here', () => {
      expect(commands).toContain('discover');
      expect(commands).toContain('cache prune');
      expect(commands).not.toContain('completion');
      expect([...commands].sort()).toEqual(Object.keys(success).sort());
    });

    test.each(commands)('%s: a success', async (command) => {
      const args = success[command];
      if (!Array.isArray(args)) return;
      const r = await armada([...command.split(' '), ...(args as string[]), '--json'], { env });
      // doctor fails (exit 1) on a host that lacks a required tool: then the failure's shape.
      if (command !== 'doctor') expect(r.code, r.stderr).toBe(0);
      envelope(r, command);
    });

    test.each(commands)('%s: a usage error', async (command) => {
      const r = await armada([...command.split(' '), '--bogus-flag', '--json'], { env });
      expect(r.code, r.stderr).toBe(2);
      expect(envelope(r, command).error).toMatchObject({ code: 'usage' });
    });

    test('discover: hosts are a named list', async () => {
      const r = await armada(['discover', '--timeout', '0.3', '--json'], { env });
      expect(envelope(r, 'discover')).toEqual({ ok: true, command: 'discover', hosts: [] });
    });

    test('an unknown command: command is null', async () => {
      const r = await armada(['bogus', '--json'], { env });
      expect(r.code).toBe(2);
      envelope(r, null);
    });

    test('check-kernel failing its check: the report, ok: false and a check-failed error', async () => {
      const broken = join(dir, 'config-broken');
      writeFileSync(
        broken,
        readFileSync(kernelConfig, 'utf8').replace(/^CONFIG_VETH=.*$/m, '# CONFIG_VETH is not set'),
      );
      const r = await armada(['check-kernel', broken, '--json'], { env });
      expect(r.code, r.stderr).toBe(3);
      const doc = envelope(r, 'check-kernel');
      expect(doc).toMatchObject({
        source: broken,
        missingRequired: [expect.objectContaining({ option: 'VETH' })],
        error: { code: 'check-failed', exitCode: 3 },
      });
      expect((doc.error as { message: string }).message).toMatch(/lacks 1 required option/);
    });

    test('connect to an endpoint that does not answer: the report, ok: false, exit 3', async () => {
      const r = await armada(['connect', '127.0.0.1:1', '--timeout', '1', '--json'], { env });
      expect(r.code, r.stderr).toBe(3);
      expect(envelope(r, 'connect')).toMatchObject({
        endpoint: 'tcp://127.0.0.1:1',
        ping: { ready: false },
        error: {
          code: 'check-failed',
          message: expect.stringMatching(/127\.0\.0\.1:1/) as unknown,
        },
      });
    });

    test('verify of a card that differs: the report with the first difference, ok: false, exit 3', async () => {
      const other = join(dir, 'other.img');
      copyFileSync(img, other);
      const at = 2048 * 512 + 4000;
      const fh = openSync(other, 'r+');
      writeSync(fh, Buffer.from([readFileSync(img)[at] ^ 0xff]), 0, 1, at);
      closeSync(fh);
      const r = await armada(['verify', img, other, '--json'], { env });
      expect(r.code, r.stderr).toBe(3);
      expect(envelope(r, 'verify')).toMatchObject({
        equal: false,
        comparedBytes: at,
        difference: { offset: at, partition: 1 },
        error: {
          code: 'check-failed',
          message: expect.stringMatching(
            /differs from .* at byte 1052576 .*partition 1/,
          ) as unknown,
        },
      });
    });

    test.each([
      [['connect', 'pi-9.local'], 'connect', 1, { ARMADA_CONFIG_DIR: join(dir, 'empty') }],
      [['swarm', 'ls', '127.0.0.1:1'], 'swarm ls', 1, {}],
      [['discover', '--timeout', '0'], 'discover', 2, {}],
      [['config', 'set', 'nope', 'x'], 'config set', 2, {}],
    ] as const)('%j fails with its command named', async (args, command, code, extra) => {
      const r = await armada([...args, '--json'], { env: { ...env, ...extra } });
      expect(r.code, r.stderr).toBe(code);
      envelope(r, command);
    });
  },
);

describe('human output is not affected', () => {
  test('discover without --json prints no JSON', async () => {
    const r = await armada(['discover', '--timeout', '0.3'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/^[[{]/);
  });
});
