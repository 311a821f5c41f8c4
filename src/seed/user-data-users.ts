/**
 * cloud-init's login user: `users`, top-level `ssh_authorized_keys`, `password`, `chpasswd` and
 * `ssh_pwauth`. armada creates one login user; everything else about users is reported.
 */
import type { UserSettings } from './types.js';
import {
  checkPasswordHash,
  checkShell,
  checkSshKey,
  checkSudo,
  checkUsername,
  controlCharacter,
} from './validate.js';
import { isRecord, show, type Path, type ProblemList } from './yaml-problems.js';
import { warnLoginRisks, type LoginFacts } from './user-data-risks.js';

export interface UsersResult {
  user: UserSettings;
  sshPwauth?: boolean;
}

/** Where the parse found what warnLoginRisks looks at. */
type Found = Omit<LoginFacts, 'user' | 'hasPassword'>;

const ignoredUserKeys: Record<string, string> = {
  'primary-group': 'the user gets its own primary group',
  primary_group: 'the user gets its own primary group',
  homedir: 'the home is /home/<name>',
  'ssh-import-id': 'importing keys needs a network at first boot',
  ssh_import_id: 'importing keys needs a network at first boot',
};

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}

function keysFrom(value: unknown, path: Path, p: ProblemList): string[] {
  const keys: string[] = [];
  asList(value).forEach((k, i) => {
    const at = Array.isArray(value) ? [...path, i] : path;
    if (typeof k !== 'string')
      return p.error(at, 'SSH key is not a string', 'give each key as one quoted line');
    if (p.check(at, checkSshKey(k))) keys.push(k.trim());
  });
  return keys;
}

function groupsFrom(value: unknown, path: Path, p: ProblemList): string[] {
  const raw =
    typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : asList(value);
  const groups: string[] = [];
  for (const g of raw) {
    const name = typeof g === 'string' ? g.trim() : '';
    if (!/^[a-z_][a-z0-9_-]*$/.test(name)) {
      p.error(
        path,
        `group '${show(g)}' is not a group name`,
        'list groups as "docker,video" or a YAML list',
      );
    } else groups.push(name);
  }
  return groups;
}

function sudoFrom(value: unknown, path: Path, p: ProblemList): string | undefined {
  if (value === false || value === null || value === 'False' || value === 'false') return '';
  const rules = asList(value);
  if (rules.length > 1) {
    p.error(path, 'armada seeds one sudo rule', "keep one rule, e.g. 'ALL=(ALL) NOPASSWD:ALL'");
    return undefined;
  }
  const rule = rules[0];
  if (typeof rule !== 'string') {
    p.error(path, 'sudo is not a sudoers rule', "use e.g. 'ALL=(ALL) NOPASSWD:ALL' or false");
    return undefined;
  }
  return p.check(path, checkSudo(rule)) ? rule : undefined;
}

function passwordString(value: unknown, path: Path, p: ProblemList): string | undefined {
  if (typeof value !== 'string' || value === '') {
    p.error(path, 'password is not a string', 'quote it');
    return undefined;
  }
  const cc = controlCharacter(value);
  return p.check(path, cc && { message: `password ${cc.message}`, fix: cc.fix })
    ? value
    : undefined;
}

function parseUser(
  entry: Record<string, unknown>,
  path: Path,
  p: ProblemList,
  out: UsersResult,
  found: Found,
): void {
  const u = out.user;
  let lock: boolean | undefined;
  if (entry.name === undefined) p.error(path, 'the user has no name', 'add name: <user>');
  for (const [key, value] of Object.entries(entry)) {
    const at = [...path, key];
    switch (key) {
      case 'name':
        if (typeof value !== 'string') p.error(at, 'name is not a string', 'give the user name');
        else if (p.check(at, checkUsername(value))) u.name = value;
        break;
      case 'ssh_authorized_keys':
      case 'ssh-authorized-keys':
        u.sshKeys.push(...keysFrom(value, at, p));
        break;
      case 'passwd':
      case 'hashed_passwd': {
        const hash = passwordString(value, at, p);
        if (hash !== undefined && p.check(at, checkPasswordHash(hash))) u.passwordHash = hash;
        break;
      }
      case 'plain_text_passwd': {
        const pw = passwordString(value, at, p);
        if (pw !== undefined) found.plainPassword = { value: (u.password = pw), at };
        break;
      }
      case 'lock_passwd':
        if (typeof value !== 'boolean')
          p.error(at, 'lock_passwd is not true or false', 'write true or false');
        else lock = value;
        break;
      case 'sudo':
        u.sudo = sudoFrom(value, at, p);
        if (u.sudo) found.sudo = { rule: u.sudo, at };
        break;
      case 'groups':
        u.groups.push(...groupsFrom(value, at, p));
        break;
      case 'shell':
        if (typeof value === 'string' && p.check(at, checkShell(value))) u.shell = value;
        else if (typeof value !== 'string')
          p.error(at, 'shell is not a path', "use e.g. '/bin/bash'");
        break;
      case 'gecos':
        if (typeof value === 'string' && !/[:\n]/.test(value)) u.gecos = value;
        else p.error(at, 'gecos must be one line without ":"', 'give the full name as plain text');
        break;
      case 'ssh_pwauth':
        // HypriotOS's samples put it here; cloud-init reads it at the top level only.
        out.sshPwauth = pwauthFrom(value, at, p);
        if (out.sshPwauth !== undefined) found.sshPwauth = { value: out.sshPwauth, at };
        p.warn(
          at,
          'ssh_pwauth belongs at the top level; armada applies it anyway',
          'move it to the top level',
        );
        break;
      case 'chpasswd':
        p.warn(
          at,
          'chpasswd under a user is ignored by cloud-init and by armada (no password expiry)',
          'remove it',
        );
        break;
      default:
        if (Object.hasOwn(ignoredUserKeys, key)) {
          const harmless =
            (key === 'ssh-import-id' || key === 'ssh_import_id') &&
            (value === null || value === 'None');
          if (harmless || !key.includes('import'))
            p.warn(at, `${key} is ignored: ${ignoredUserKeys[key]}`, `remove ${key}`);
          else
            p.error(
              at,
              `${key} is not supported: ${ignoredUserKeys[key]}`,
              'list the keys under ssh_authorized_keys',
            );
        } else
          p.error(
            at,
            `user setting '${key}' is not supported by armada`,
            `remove ${key} (or do it with runcmd)`,
          );
    }
  }
  if (lock === true && (u.password !== undefined || u.passwordHash !== undefined)) {
    p.warn(
      [...path, 'lock_passwd'],
      'lock_passwd: true locks the password given for this user; it is not seeded',
      'set lock_passwd: false to use the password',
    );
    delete u.password;
    delete u.passwordHash;
  }
}

function pwauthFrom(value: unknown, path: Path, p: ProblemList): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'unchanged') return undefined;
  p.error(path, 'ssh_pwauth is not true or false', 'write true (allow SSH passwords) or false');
  return undefined;
}

/** chpasswd `list:` ("name:password" lines) and `users:` ([{name, password, type}]). */
function parseChpasswd(value: unknown, p: ProblemList, out: UsersResult, found: Found): void {
  if (!isRecord(value))
    return p.error(['chpasswd'], 'chpasswd is not a mapping', 'use chpasswd: { users: [...] }');
  const entries: { name: unknown; password: unknown; type?: unknown; at: Path }[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (key === 'expire')
      p.warn(['chpasswd', 'expire'], 'password expiry is ignored', 'remove expire');
    else if (key === 'list') {
      const lines = typeof v === 'string' ? v.split('\n').filter((l) => l.trim()) : asList(v);
      lines.forEach((l, i) => {
        const at: Path = Array.isArray(v) ? ['chpasswd', 'list', i] : ['chpasswd', 'list'];
        const [name, ...rest] = String(l).split(':');
        entries.push({ name: name?.trim(), password: rest.join(':'), at });
      });
    } else if (key === 'users' && Array.isArray(v)) {
      v.forEach((e, i) =>
        entries.push({
          ...(isRecord(e) ? e : {}),
          name: isRecord(e) ? e.name : undefined,
          password: isRecord(e) ? e.password : undefined,
          at: ['chpasswd', 'users', i],
        }),
      );
    } else
      p.error(
        ['chpasswd', key],
        `chpasswd.${key} is not supported`,
        'use chpasswd.users or chpasswd.list',
      );
  }
  for (const e of entries) {
    if (typeof e.name !== 'string' || !e.name) {
      p.error(e.at, 'chpasswd entry has no user name', "write 'name:password'");
      continue;
    }
    if (out.user.name && e.name !== out.user.name) {
      p.error(
        e.at,
        `chpasswd sets a password for '${e.name}', but the login user is '${out.user.name}'`,
        'armada creates one login user; use its name',
      );
      continue;
    }
    if (!out.user.name) {
      p.error(
        e.at,
        `chpasswd names '${e.name}', a user this user-data does not create (armada images have no default user)`,
        `add users: [{ name: ${e.name} }]`,
      );
      continue;
    }
    const pw = passwordString(e.password, e.at, p);
    if (pw === undefined) continue;
    if (pw === 'RANDOM' || pw === 'R')
      p.error(e.at, 'random passwords are not supported', 'give a password or an SSH key');
    else if (e.type === 'HASH' || (e.type === undefined && pw.startsWith('$'))) {
      if (p.check(e.at, checkPasswordHash(pw))) out.user.passwordHash = pw;
    } else found.plainPassword = { value: (out.user.password = pw), at: e.at };
  }
}

/** The login user from the whole document (top-level keys included). */
export function parseUsers(doc: Record<string, unknown>, p: ProblemList): UsersResult {
  const out: UsersResult = { user: { sshKeys: [], groups: [] } };
  const found: Found = {};
  const users = doc.users;
  if (users !== undefined) {
    const list = Array.isArray(users) ? users : [users];
    let seen = 0;
    list.forEach((entry, i) => {
      const at: Path = Array.isArray(users) ? ['users', i] : ['users'];
      if (entry === 'default')
        return p.warn(
          at,
          "armada images have no distribution default user; 'default' is ignored",
          'remove it',
        );
      if (!isRecord(entry))
        return p.error(at, 'a user must be a mapping with a name', 'write - name: <user>');
      if (seen++ > 0)
        return p.error(
          at,
          'armada creates one login user',
          'keep one user here; add others with runcmd (adduser)',
        );
      parseUser(entry, at, p, out, found);
    });
  }
  if (doc.ssh_authorized_keys !== undefined)
    out.user.sshKeys.push(...keysFrom(doc.ssh_authorized_keys, ['ssh_authorized_keys'], p));
  if (doc.password !== undefined) {
    const pw = passwordString(doc.password, ['password'], p);
    if (pw !== undefined)
      found.plainPassword = { value: (out.user.password = pw), at: ['password'] };
  }
  if (doc.chpasswd !== undefined) parseChpasswd(doc.chpasswd, p, out, found);
  if (doc.ssh_pwauth !== undefined) {
    out.sshPwauth = pwauthFrom(doc.ssh_pwauth, ['ssh_pwauth'], p);
    if (out.sshPwauth !== undefined) found.sshPwauth = { value: out.sshPwauth, at: ['ssh_pwauth'] };
  }
  const u = out.user;
  const { plainPassword, ...rest } = found;
  warnLoginRisks(
    {
      ...rest,
      // lock_passwd: true dropped the password (and said so): nothing of it is seeded.
      ...(plainPassword && u.password !== undefined ? { plainPassword } : {}),
      ...(u.name ? { user: u.name } : {}),
      hasPassword: u.password !== undefined || u.passwordHash !== undefined,
    },
    p,
  );
  return out;
}
