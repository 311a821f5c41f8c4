/**
 * `armada doctor`: every host tool armada runs, found or missing, with its version and the
 * command that installs it.
 */
import { hostTools } from '../host/tools.js';
import { run, which } from '../exec.js';

export interface ToolStatus {
  tool: string;
  found: boolean;
  path?: string;
  version?: string;
  aptPackage: string;
  install: string;
  required: boolean;
  usedFor: string;
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
  const { readFile } = await import('node:fs/promises');
  const enabled = async (name: string) =>
    (await readFile(`/proc/sys/fs/binfmt_misc/${name}`, 'utf8').catch(() => '')).startsWith(
      'enabled',
    );
  return { arm64: await enabled('qemu-aarch64'), armhf: await enabled('qemu-arm') };
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
        usedFor: t.for,
      };
    }),
  );
  const ok = tools.every((t) => t.found || !t.required);
  return { ok, root: process.getuid?.() === 0, binfmt: await binfmtStatus(), tools };
}

export function formatDoctor(report: DoctorReport): string {
  const lines: string[] = [];
  const width = Math.max(...report.tools.map((t) => t.tool.length));
  for (const t of report.tools) {
    const mark = t.found ? 'ok     ' : t.required ? 'MISSING' : 'missing';
    const detail = t.found ? (t.version ?? t.path ?? '') : `${t.install}   (for ${t.usedFor})`;
    lines.push(`${mark}  ${t.tool.padEnd(width)}  ${detail}`);
  }
  if (report.binfmt) {
    const b = report.binfmt;
    lines.push(
      `${b.arm64 ? 'ok     ' : 'missing'}  binfmt arm64/armhf: ${b.arm64 ? 'on' : 'off'}/${b.armhf ? 'on' : 'off'}` +
        (b.arm64 ? '' : '   (sudo scripts/setup-host.sh enables it)'),
    );
  }
  lines.push(`running as root: ${report.root ? 'yes' : 'no (build and flash need sudo)'}`);
  const missing = report.tools.filter((t) => !t.found);
  lines.push(
    report.ok
      ? missing.length
        ? `all required tools found; ${missing.length} optional missing (sudo scripts/setup-host.sh installs them)`
        : 'all tools found'
      : `required tools missing: ${missing
          .filter((t) => t.required)
          .map((t) => t.tool)
          .join(', ')}; run sudo scripts/setup-host.sh`,
  );
  return lines.join('\n');
}
