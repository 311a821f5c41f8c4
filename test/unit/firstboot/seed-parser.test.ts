import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { render } from '../../../src/firstboot/render.js';
import { parseSeedEnv, renderSeedEnv, seedEnvKeys } from '../../../src/seed/seed-env.js';
import { suiteTempDir } from '../../helpers/tmp.js';
import { runLib, shells, writeScript, q } from './run-sh.js';

const dir = await suiteTempDir('armada-seed-parser-');
const script = writeScript(dir);
const parserOnly = join(dir, 'seed-parser.sh');
writeFileSync(parserOnly, render('partials/seed-parser.sh', {}));

/** Parses FILE with the partial alone; values are printed as KEY=<value>, problems as !line: message. */
function parse(
  shell: string,
  file: string,
): { out: string[]; status: number | null; stderr: string } {
  const r = runLib(
    parserOnly,
    `on_value() { printf '%s=<%s>\\n' "$1" "$2"; }; on_problem() { printf '!%s: %s\\n' "$2" "$3"; }; armada_parse_env ${q(file)} on_value on_problem`,
    shell,
  );
  return { out: r.stdout.split('\n').filter(Boolean), status: r.status, stderr: r.stderr };
}

test('dash is here: it is the shell the device runs first boot with', () => {
  expect(shells).toContain('dash');
});

describe.each(shells)('seed.env parser in %s', (shell) => {
  const canary = join(dir, `pwned-${shell}`);
  const c = q(canary).slice(1, -1); // the path inside the hostile lines
  const hostile = [
    `A='$(touch ${c})'`, // 1
    `B='\`touch ${c}\`'`, // 2
    `C=$(touch ${c})`, // 3: unquoted
    `D=\`touch ${c}\``, // 4
    `E='x'; touch ${c}`, // 5: code after the closing quote
    `F='x';touch ${c};'`, // 6
    `G="$(touch ${c})"`, // 7: double quotes
    `touch ${c}`, // 8: a bare command
    `H='it'\\''s'`, // 9: the one escape
    `I='a'\\''$(touch ${c})'\\'''`, // 10: an escape around a substitution
    `J='*'`, // 11: no globbing
    `K='$HOME \\n \\\\ "q"'`, // 12: no expansion, backslashes kept
    `lower='x'`, // 13
    ` L='x'`, // 14: leading space
    `export M='x'`, // 15
    `N='x' # comment`, // 16
    `O='unterminated`, // 17
    `P=''`, // 18
    `# just a comment`, // 19
    ``, // 20
    `Q='crlf'\r`, // 21
    `R$X='x'`, // 22
    `S='${'x'.repeat(5000)}'`, // 23
    `T='Grüße ✓'`, // 24
    `=''`, // 25
    `UNKNOWN_KEY='kept for the caller'`, // 26
    `V='a'b'`, // 27: a bare quote inside
    `W='no newline at the end'`, // 28
  ].join('\n');
  const file = join(dir, `hostile-${shell}.env`);
  writeFileSync(file, hostile);

  test('hostile lines never run and are reported by line number', () => {
    const { out, status, stderr } = parse(shell, file);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(existsSync(canary)).toBe(false);
    expect(out).toEqual([
      `A=<$(touch ${canary})>`,
      `B=<\`touch ${canary}\`>`,
      '!3: C: the value must be in single quotes',
      '!4: D: the value must be in single quotes',
      '!5: E: the value must be in single quotes',
      "!6: F: write a quote inside the value as '\\''",
      '!7: G: the value must be in single quotes',
      "!8: not a KEY='value' line",
      "H=<it's>",
      `I=<a'$(touch ${canary})'>`,
      'J=<*>',
      'K=<$HOME \\n \\\\ "q">',
      "!13: not a KEY='value' line",
      "!14: not a KEY='value' line",
      "!15: not a KEY='value' line",
      '!16: N: the value must be in single quotes',
      '!17: O: the value must be in single quotes',
      'P=<>',
      'Q=<crlf>',
      "!22: not a KEY='value' line",
      `S=<${'x'.repeat(5000)}>`,
      'T=<Grüße ✓>',
      "!25: not a KEY='value' line",
      'UNKNOWN_KEY=<kept for the caller>',
      "!27: V: write a quote inside the value as '\\''",
      'W=<no newline at the end>',
    ]);
  });

  test('reads back exactly what the laptop writes (renderSeedEnv), like parseSeedEnv does', () => {
    const values = {
      HOSTNAME: 'pi-3',
      USERNAME: 'pirate',
      PASSWORD_HASH: '$6$salt$abc/def.ghi',
      USER_SUDO: 'ALL=(ALL) NOPASSWD:ALL',
      WIFI_SSID: `Bob's "Net" $(reboot) \`id\` \\ * ?`,
      WIFI_PSK: 'a'.repeat(64),
      TIMEZONE: 'America/Argentina/Buenos_Aires',
      KEYMAP: "'''",
      LOCALE: '',
    };
    const text = renderSeedEnv(values);
    const envFile = join(dir, `laptop-${shell}.env`);
    writeFileSync(envFile, text);
    const { out } = parse(shell, envFile);
    const fromShell = Object.fromEntries(
      out.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=<') + 2, -1)]),
    );
    expect(fromShell).toEqual(parseSeedEnv(text));
    expect(fromShell.WIFI_SSID).toBe(values.WIFI_SSID);
  });
});

describe('firstboot.sh reading seed.env', () => {
  test('every key the laptop writes has a place; unknown keys are a console warning without the value', () => {
    const all = Object.fromEntries(seedEnvKeys.map((k) => [k, `v-${k}`]));
    const envFile = join(dir, 'all-keys.env');
    writeFileSync(envFile, renderSeedEnv(all) + "FUTURE_KEY='secret-ish'\n");
    const vars = seedEnvKeys.map((k) => `S_${k}`);
    const r = runLib(
      script,
      `armada_parse_env ${q(envFile)} seed_set env_problem >/dev/null; ${vars.map((v) => `printf '%s\\n' "$${v}"`).join('; ')}; echo "sudo_set=$S_USER_SUDO_SET"`,
    );
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      ...seedEnvKeys.map((k) => `v-${k}`),
      'sudo_set=1',
    ]);
    expect(r.stderr).toMatch(/^armada: WARNING: seed\.env: unknown key FUTURE_KEY ignored/m);
    expect(r.stderr).not.toContain('secret-ish');
  });

  test('a bad line is a console warning naming the file and line, never the value', () => {
    const envFile = join(dir, 'bad.env');
    writeFileSync(envFile, `HOSTNAME='ok'\nWIFI_PSK="hunter2hunter2"\n`);
    const r = runLib(
      script,
      `armada_parse_env ${q(envFile)} seed_set env_problem >/dev/null; echo "$S_HOSTNAME/$S_WIFI_PSK"`,
    );
    expect(r.stdout).toBe('ok/\n');
    expect(r.stderr).toBe(
      'armada: WARNING: bad.env line 2 ignored: WIFI_PSK: the value must be in single quotes\n',
    );
  });
});
