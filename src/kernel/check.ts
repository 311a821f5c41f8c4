/**
 * The verdict: which required and optional options a kernel config has, decided from the
 * requirement data and the kernel's own version. Pure: the requirement data is read once by
 * loadRequirements() (or passed in by tests).
 */
import { UsageError } from '../errors.js';
import {
  compareKernel,
  isKnownOption,
  kernelTriple,
  optionState,
  stringOption,
  type KernelConfig,
  type OptionState,
} from './config.js';
import {
  loadRequirements,
  requirableFeatures,
  type CmdlineRule,
  type OptionRule,
  type Requirements,
  type Severity,
} from './requirements.js';

export interface OptionResult {
  name: string;
  state: OptionState;
  note?: string;
}

export interface GroupResult {
  id: string;
  title: string;
  label: string;
  severity: Severity;
  options: OptionResult[];
  missing: string[];
}

export interface MissingRequired {
  group: string;
  title: string;
  label: string;
  option: string;
}

export interface CmdlineWarning {
  id: string;
  message: string;
  fix: string;
}

export interface CheckResult {
  ok: boolean;
  kernelVersion: string | undefined;
  arch: string | undefined;
  /** Features asked for with --require (e.g. ['ovs']). */
  require: string[];
  groups: GroupResult[];
  missingRequired: MissingRequired[];
  cmdline: CmdlineWarning[];
  warnings: string[];
}

export interface CheckOptions {
  require?: readonly string[];
  /** The kernel command line the bootloader passes (cmdline.txt), when known. */
  cmdline?: string;
  requirements?: Requirements;
}

/** Does the rule apply to this kernel? Version rules use the config's own version, never the host's. */
export function ruleApplies(rule: OptionRule, config: KernelConfig): boolean {
  if (rule.unlessSet && optionState(config, rule.unlessSet) !== 'missing') return false;
  if (!rule.since && !rule.removedIn) return true;
  const version = config.version ? kernelTriple(config.version) : undefined;
  // Without a version the config itself tells whether this kernel knows the option.
  if (!version) return isKnownOption(config, rule.name);
  if (rule.since && compareKernel(version, kernelTriple(rule.since)!) < 0) return false;
  if (rule.removedIn && compareKernel(version, kernelTriple(rule.removedIn)!) >= 0) return false;
  return true;
}

/** Split a command line into parameters; double quotes keep spaces (`foo="a b"`). */
export function splitCmdline(cmdline: string): string[] {
  return (cmdline.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []).map((t) => t.replace(/"/g, ''));
}

function lists(token: string, pair: { param: string; value: string }): boolean {
  const eq = token.indexOf('=');
  if (eq < 0 || token.slice(0, eq) !== pair.param) return false;
  return token
    .slice(eq + 1)
    .split(',')
    .includes(pair.value);
}

/** The last parameter wins: cgroup_disable=memory … cgroup_enable=memory leaves memory on. */
export function cmdlineDisables(cmdline: string, rule: CmdlineRule): boolean {
  let disabled = false;
  for (const token of splitCmdline(cmdline)) {
    if (lists(token, rule.disabledBy)) disabled = true;
    else if (lists(token, rule.enabledBy)) disabled = false;
  }
  return disabled;
}

/** What the kernel will see: CONFIG_CMDLINE_FORCE replaces the bootloader's line, _EXTEND appends to it. */
export function effectiveCmdline(
  config: KernelConfig,
  bootloader: string | undefined,
): string | undefined {
  const builtIn = stringOption(config, 'CMDLINE')?.trim();
  if (builtIn && optionState(config, 'CMDLINE_FORCE') === 'y') return builtIn;
  if (builtIn && optionState(config, 'CMDLINE_EXTEND') === 'y')
    return `${bootloader ?? ''} ${builtIn}`.trim();
  return bootloader;
}

export function checkKernelConfig(config: KernelConfig, opts: CheckOptions = {}): CheckResult {
  const req = opts.requirements ?? loadRequirements();
  const require = [...new Set(opts.require ?? [])];
  const known = requirableFeatures(req);
  const unknown = require.filter((r) => !known.includes(r));
  if (unknown.length) {
    throw new UsageError(
      `unknown --require ${unknown.join(', ')}; choose from: ${known.join(', ') || '(none)'}`,
    );
  }
  const groups = req.groups.map((g): GroupResult => {
    const severity: Severity =
      g.requiredWith && require.includes(g.requiredWith) ? 'required' : g.severity;
    const options = g.options
      .filter((rule) => ruleApplies(rule, config))
      .map((rule) => ({
        name: rule.name,
        state: optionState(config, rule.name),
        ...(rule.note ? { note: rule.note } : {}),
      }));
    return {
      id: g.id,
      title: g.title,
      label: g.label,
      severity,
      options,
      missing: options.filter((o) => o.state === 'missing').map((o) => o.name),
    };
  });
  const missingRequired = groups
    .filter((g) => g.severity === 'required')
    .flatMap((g) =>
      g.missing.map((option) => ({ group: g.id, title: g.title, label: g.label, option })),
    );

  const cmdline = effectiveCmdline(config, opts.cmdline);
  const cmdlineWarnings =
    cmdline === undefined
      ? []
      : req.cmdline
          .filter((r) => cmdlineDisables(cmdline, r))
          .map(({ id, message, fix }) => ({ id, message, fix }));

  const warnings: string[] = [];
  if (!config.version) {
    warnings.push(
      'the config has no "# Linux/<arch> <version> Kernel Configuration" header; version-dependent options were checked only where the config mentions them',
    );
  }
  if (config.arch && config.arch !== 'arm64' && config.arch !== 'arm') {
    warnings.push(`this kernel is built for ${config.arch}; a Raspberry Pi needs arm64 or arm`);
  }
  return {
    ok: missingRequired.length === 0,
    kernelVersion: config.version,
    arch: config.arch,
    require,
    groups,
    missingRequired,
    cmdline: cmdlineWarnings,
    warnings,
  };
}
