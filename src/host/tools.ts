import data from './host-tools.json' with { type: 'json' };

export interface HostTool {
  bin: string;
  apt: string;
  for: string;
  required: boolean;
  version: string[] | null;
  /** Commands that check for this tool before they start. */
  checkedBefore?: string[];
}

export const hostTools: readonly HostTool[] = data.tools;

export function aptPackageFor(bin: string): string | undefined {
  return hostTools.find((t) => t.bin === bin)?.apt;
}

/** The tools a command checks for before it starts (host-tools.json's checkedBefore). */
export function toolsCheckedBefore(command: string): string[] {
  return hostTools.filter((t) => t.checkedBefore?.includes(command)).map((t) => t.bin);
}
