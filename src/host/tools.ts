import data from './host-tools.json' with { type: 'json' };

export interface HostTool {
  bin: string;
  apt: string;
  for: string;
  required: boolean;
  version: string[] | null;
}

export const hostTools: readonly HostTool[] = data.tools;

export function aptPackageFor(bin: string): string | undefined {
  return hostTools.find((t) => t.bin === bin)?.apt;
}
