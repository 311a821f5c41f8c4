/**
 * The requirement lists in kernel-config/*.json (format in kernel-config/README.md).
 * `parseRequirements` is pure and reports every problem at once; `loadRequirements` reads the
 * files once per process.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { InternalError } from '../errors.js';

export type Severity = 'required' | 'optional';

export interface OptionRule {
  name: string;
  since?: string;
  removedIn?: string;
  unlessSet?: string;
  note?: string;
}

export interface RequirementGroup {
  id: string;
  /** Where the list comes from (check-config.sh's heading, or why armada adds it). */
  title: string;
  /** What the group is for, in the words check-kernel shows (the title when none is given). */
  label: string;
  severity: Severity;
  requiredWith?: string;
  options: OptionRule[];
}

export interface CmdlineRule {
  id: string;
  disabledBy: { param: string; value: string };
  enabledBy: { param: string; value: string };
  message: string;
  fix: string;
}

export interface Requirements {
  groups: RequirementGroup[];
  cmdline: CmdlineRule[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const optionName = /^[A-Za-z0-9_]+$/;
const versionText = /^\d+\.\d+(\.\d+)?$/;

function str(
  o: Obj,
  key: string,
  where: string,
  problems: string[],
  optional = false,
): string | undefined {
  const v = o[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || !v) {
    problems.push(`${where}: "${key}" must be a non-empty string`);
    return undefined;
  }
  return v;
}

function parseOption(raw: unknown, where: string, problems: string[]): OptionRule | undefined {
  const o: Obj = typeof raw === 'string' ? { name: raw } : isObj(raw) ? raw : {};
  const name = str(o, 'name', where, problems);
  if (!name) return undefined;
  if (!optionName.test(name) || name.startsWith('CONFIG_')) {
    problems.push(`${where}: "${name}" must be an option name without the CONFIG_ prefix`);
  }
  const rule: OptionRule = { name };
  for (const key of ['since', 'removedIn'] as const) {
    const v = str(o, key, `${where} ${name}`, problems, true);
    if (v !== undefined && !versionText.test(v))
      problems.push(`${where} ${name}: "${key}" must look like 5.4 or 4.19.1`);
    if (v !== undefined) rule[key] = v;
  }
  const unlessSet = str(o, 'unlessSet', `${where} ${name}`, problems, true);
  if (unlessSet) rule.unlessSet = unlessSet;
  const note = str(o, 'note', `${where} ${name}`, problems, true);
  if (note) rule.note = note;
  for (const key of Object.keys(o)) {
    if (!['name', 'since', 'removedIn', 'unlessSet', 'note'].includes(key))
      problems.push(`${where} ${name}: unknown key "${key}"`);
  }
  return rule;
}

function parseGroup(raw: unknown, where: string, problems: string[]): RequirementGroup | undefined {
  if (!isObj(raw)) {
    problems.push(`${where}: a group must be an object`);
    return undefined;
  }
  const id = str(raw, 'id', where, problems);
  const title = str(raw, 'title', where, problems);
  const label = str(raw, 'label', where, problems, true);
  const severity = raw.severity;
  if (severity !== 'required' && severity !== 'optional')
    problems.push(`${where}: "severity" must be "required" or "optional"`);
  const requiredWith = str(raw, 'requiredWith', where, problems, true);
  const options = Array.isArray(raw.options) ? raw.options : [];
  if (!Array.isArray(raw.options) || options.length === 0)
    problems.push(`${where}: "options" must be a non-empty list`);
  const rules = options.map((o, i) => parseOption(o, `${where} option ${i + 1}`, problems));
  if (!id || !title || (severity !== 'required' && severity !== 'optional')) return undefined;
  return {
    id,
    title,
    label: label ?? title,
    severity,
    ...(requiredWith ? { requiredWith } : {}),
    options: rules.filter((r): r is OptionRule => r !== undefined),
  };
}

function parseCmdlineRule(
  raw: unknown,
  where: string,
  problems: string[],
): CmdlineRule | undefined {
  if (!isObj(raw)) {
    problems.push(`${where}: a cmdline rule must be an object`);
    return undefined;
  }
  const pair = (key: string) => {
    const v = raw[key];
    if (!isObj(v)) {
      problems.push(`${where}: "${key}" must be { "param": ..., "value": ... }`);
      return undefined;
    }
    const param = str(v, 'param', `${where} ${key}`, problems);
    const value = str(v, 'value', `${where} ${key}`, problems);
    return param && value ? { param, value } : undefined;
  };
  const id = str(raw, 'id', where, problems);
  const disabledBy = pair('disabledBy');
  const enabledBy = pair('enabledBy');
  const message = str(raw, 'message', where, problems);
  const fix = str(raw, 'fix', where, problems);
  if (!id || !disabledBy || !enabledBy || !message || !fix) return undefined;
  return { id, disabledBy, enabledBy, message, fix };
}

/** Merge requirement documents (one per file, in order); throws with every problem listed. */
export function parseRequirements(docs: readonly { file: string; data: unknown }[]): Requirements {
  const problems: string[] = [];
  const groups: RequirementGroup[] = [];
  const cmdline: CmdlineRule[] = [];
  for (const { file, data } of docs) {
    if (!isObj(data)) {
      problems.push(`${file}: must be a JSON object`);
      continue;
    }
    const rawGroups = Array.isArray(data.groups) ? data.groups : [];
    rawGroups.forEach((g, i) => {
      const group = parseGroup(g, `${file} group ${i + 1}`, problems);
      if (group) groups.push(group);
    });
    const rawCmdline = Array.isArray(data.cmdline) ? data.cmdline : [];
    rawCmdline.forEach((r, i) => {
      const rule = parseCmdlineRule(r, `${file} cmdline ${i + 1}`, problems);
      if (rule) cmdline.push(rule);
    });
  }
  const seen = new Set<string>();
  for (const g of groups) {
    if (seen.has(g.id)) problems.push(`group id "${g.id}" is used twice`);
    seen.add(g.id);
  }
  if (problems.length) {
    throw new InternalError(`kernel-config requirements are invalid:\n  ${problems.join('\n  ')}`);
  }
  return { groups, cmdline };
}

/** The features `--require` accepts: every group's `requiredWith`. */
export function requirableFeatures(req: Requirements): string[] {
  return [...new Set(req.groups.flatMap((g) => (g.requiredWith ? [g.requiredWith] : [])))].sort();
}

/** kernel-config/ sits at the package root, two levels above both src/kernel and dist/kernel. */
const requirementsDir = fileURLToPath(new URL('../../kernel-config/', import.meta.url));

let cached: Requirements | undefined;

export function loadRequirements(dir = requirementsDir): Requirements {
  if (dir === requirementsDir && cached) return cached;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const docs = files.map((file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    try {
      return { file, data: JSON.parse(text) as unknown };
    } catch (error) {
      throw new InternalError(
        `kernel-config/${file} is not valid JSON: ${(error as Error).message}`,
      );
    }
  });
  const req = parseRequirements(docs);
  if (dir === requirementsDir) cached = req;
  return req;
}
