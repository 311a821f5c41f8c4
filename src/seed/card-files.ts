/**
 * The I/O beside src/seed/card-import.ts: list and read the other tools' files at the root of
 * a card's boot partition, and take the imported ones off it (overwritten, then deleted: a
 * deleted FAT file keeps its bytes, and user-data holds a password hash, network-config a PSK).
 */
import { UserError } from '../errors.js';
import { deleteFat, listFat, readFat, writeFat, type FatVolume } from '../image/fat.js';
import { wipeFatFiles } from '../image/fat-wipe.js';
import {
  cmdlineWithoutFirstrun,
  planImport,
  rootNames,
  type ImportedFiles,
  type ImportPlan,
} from './card-import.js';

export interface CardImport {
  plan: ImportPlan;
  files: ImportedFiles;
}

async function readText(v: FatVolume, name: string, target: string): Promise<string> {
  const bytes = await readFat(v, `/${name}`);
  if (!bytes) throw new UserError(`${name} on ${target} vanished while it was read; run it again`);
  return bytes.toString('utf8');
}

export async function readCardImport(
  v: FatVolume,
  target: string,
  ownUserData: boolean,
): Promise<CardImport> {
  const plan = planImport(rootNames(await listFat(v, '/')), ownUserData);
  const files: ImportedFiles = {};
  if (plan.userData)
    files.userData = {
      text: await readText(v, plan.userData, target),
      label: `${target}:${plan.userData}`,
    };
  if (plan.networkConfig)
    files.networkConfig = {
      text: await readText(v, plan.networkConfig, target),
      label: `${target}:${plan.networkConfig}`,
    };
  return { plan, files };
}

/** After the new seed is written: the imported files go, and firstrun.sh's boot parameters. */
export async function removeCardFiles(v: FatVolume, plan: ImportPlan): Promise<void> {
  if (plan.cmdline) {
    const cmdline = (await readFat(v, '/cmdline.txt'))?.toString('utf8');
    const fixed = cmdline === undefined ? undefined : cmdlineWithoutFirstrun(cmdline);
    if (fixed !== undefined) await writeFat(v, '/cmdline.txt', fixed);
  }
  const paths = plan.remove.map((n) => `/${n}`);
  await wipeFatFiles(v, paths);
  for (const p of paths) await deleteFat(v, p);
}
