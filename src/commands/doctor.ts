/**
 * `armada doctor`: every host tool armada runs, found or missing, with its version and the
 * command that installs it.
 */
import { hostTools } from '../host/tools.js';
import { run, which } from '../exec.js';
import { binfmtEnabled } from '../host/binfmt.js';
import { UserError } from '../errors.js';

export interface ToolStatus {
  tool: string;
  found: boolean;
  path?: string;
  version?: string;
  aptPackage: string;
  install: string;
  required: boolean;
  /** required: the core commands need it; optional: one command does; test: only armada's tests. */
  kind: ToolKind;
  usedFor: string;
}

export type ToolKind = 'required' | 'optional' | 'test';

/** Pure: a tool whose every use is a test or a benchmark is not the user's concern. */
export function toolKind(t: { required: boolean; for: string }): ToolKind {
  if (t.required) return 'required';
  const uses = t.for.split(',').map((u) => u.trim());
  return uses.every((u) => /^(boot |e2e )?tests?\b|^bench/.test(u)) ? 'test' : 'optional';
}

export interface DoctorReport {
  ok: boolean;
  root: boolean;
  binfmt: { arm64: boolean; armhf: boolean } | undefined;
  tools: ToolStatus[];
}

async function versionOf(path: string, args: string[]): Promise<string | undefined> {
  try {
    const r = await run([path, args], { allowFailure: true, timeoutMs: 10_000 });
    const first = `${r.stdout}\n${r.stderr}`
      .split('\n')
      .map((l) => l.trim())
      .find((l) => /\d+\.\d+/.test(l));
    return first?.slice(0, 120);
  } catch {
    return undefined;
  }
}

async function binfmtStatus(): Promise<DoctorReport['binfmt']> {
  if (process.platform !== 'linux') return undefined;
  return { arm64: await binfmtEnabled('arm64'), armhf: await binfmtEnabled('armhf') };
}

export async function runDoctor(): Promise<DoctorReport> {
  const tools = await Promise.all(
    hostTools.map(async (t): Promise<ToolStatus> => {
      const path = await which(t.bin);
      const version = path && t.version ? await versionOf(path, t.version) : undefined;
      return {
        tool: t.bin,
        found: Boolean(path),
        ...(path ? { path } : {}),
        ...(version ? { version } : {}),
        aptPackage: t.apt,
        install: `sudo apt-get install ${t.apt}`,
        required: t.required,
        kind: toolKind(t),
        usedFor: t.for,
      };
    }),
  );
  const ok = tools.every((t) => t.found || !t.required);
  return { ok, root: process.getuid?.() === 0, binfmt: await binfmtStatus(), tools };
}

const sections: [ToolKind, string][] = [
  ['required', 'Required (configure, flash, connect, check-kernel on images):'],
  ['optional', 'Optional (each needed by the command named):'],
  ['test', "Only for armada's own tests and benchmarks:"],
];

/** One apt-get line for the missing tools' packages (each package once). */
function installLine(tools: readonly ToolStatus[]): string {
  return `sudo apt-get install ${[...new Set(tools.map((t) => t.aptPackage))].join(' ')}`;
}

/** A report with a required tool missing ends in this error (exit 1); undefined when none is. */
export function doctorFailure(report: DoctorReport): UserError | undefined {
  if (report.ok) return undefined;
  const required = report.tools.filter((t) => !t.found && t.kind === 'required');
  return new UserError(
    `required host tools missing: ${required.map((t) => t.tool).join(', ')}; install them: ${installLine(required)}`,
  );
}

export function formatDoctor(report: DoctorReport): string {
  const lines: string[] = [];
  const width = Math.max(...report.tools.map((t) => t.tool.length));
  for (const [kind, title] of sections) {
    const tools = report.tools.filter((t) => t.kind === kind);
    if (!tools.length) continue;
    lines.push(title);
    for (const t of tools) {
      const mark = t.found ? 'ok     ' : kind === 'required' ? 'MISSING' : 'missing';
      const detail = t.found ? (t.version ?? t.path ?? '') : `${t.install}   (for ${t.usedFor})`;
      lines.push(`  ${mark}  ${t.tool.padEnd(width)}  ${detail}`);
    }
  }
  if (report.binfmt) {
    const b = report.binfmt;
    lines.push(
      `binfmt (build for arm64/armhf on this machine): ${b.arm64 ? 'on' : 'off'}/${b.armhf ? 'on' : 'off'}` +
        (b.arm64
          ? ''
          : "   (sudo apt-get install qemu-user-static binfmt-support; then 'sudo update-binfmts --enable')"),
    );
  }
  lines.push(`running as root: ${report.root ? 'yes' : 'no (build and flash need sudo)'}`);
  const missing = report.tools.filter((t) => !t.found);
  const required = missing.filter((t) => t.kind === 'required');
  const optional = missing.filter((t) => t.kind === 'optional');
  if (required.length)
    lines.push(
      `required tools missing: ${required.map((t) => t.tool).join(', ')}; install them: ${installLine(required)}`,
    );
  else lines.push('all required tools found');
  if (optional.length)
    lines.push(
      `${optional.length} optional tool${optional.length === 1 ? '' : 's'} missing (only the commands named need them): ${installLine(optional)}`,
    );
  return lines.join('\n');
}
