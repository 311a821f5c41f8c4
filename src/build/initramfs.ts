import data from './initramfs-modules.json' with { type: 'json' };

export interface ModuleGroup {
  name: string;
  why: string;
  modules: string[];
}

export const initramfsGroups: readonly ModuleGroup[] = data.groups;

export function initramfsModules(): string[] {
  return [...new Set(initramfsGroups.flatMap((g) => g.modules))];
}
