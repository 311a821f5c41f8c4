/**
 * Kernels in a directory: a root filesystem (boot/config-*, boot/vmlinuz-*, lib/modules/<v>/
 * kernel/kernel/configs.ko*, boot/firmware/kernel*.img) or a copy of a FAT boot partition
 * (kernel8.img and cmdline.txt at the top).
 */
import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inRoot } from '../tree/root-fs.js';
import { classifyKernelPath, uniqueBy, type Candidate } from './candidates.js';

export interface Found {
  candidates: Candidate[];
  cmdline?: { label: string; text: string };
}

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

const cmdlinePlaces = ['boot/firmware/cmdline.txt', 'boot/cmdline.txt', 'cmdline.txt'];

export async function directoryCandidates(root: string): Promise<Found> {
  const relative: string[] = [];
  for (const dir of ['', 'boot', 'boot/firmware']) {
    for (const name of await names(join(root, dir))) relative.push(dir ? `${dir}/${name}` : name);
  }
  for (const modules of ['lib/modules', 'usr/lib/modules']) {
    for (const version of await names(join(root, modules))) {
      const dir = `${modules}/${version}/kernel/kernel`;
      for (const name of await names(join(root, dir))) relative.push(`${dir}/${name}`);
    }
  }
  const classified = relative.flatMap((path) => {
    const c = classifyKernelPath(path);
    return c ? [{ ...c, path }] : [];
  });
  // /lib is a symlink to /usr/lib on merged-/usr systems: count each real file once. Links are
  // resolved inside the tree (an image's absolute /boot/config-x link names its own file, never
  // the build host's); a dangling one is no candidate.
  const resolved = await Promise.all(
    classified.map(async (c) => {
      const real = await inRoot(root, c.path, true).catch(() => '');
      return {
        ...c,
        real:
          real &&
          (await access(real).then(
            () => real,
            () => '',
          )),
      };
    }),
  );
  const candidates = uniqueBy(
    resolved.filter((c) => c.real),
    (c) => c.real,
  ).map((c): Candidate => ({
    type: c.type,
    ...(c.version ? { version: c.version } : {}),
    label: c.path,
    load: () => readFile(c.real),
  }));
  let cmdline: Found['cmdline'];
  for (const place of cmdlinePlaces) {
    const text = await inRoot(root, place, true)
      .then((p) => readFile(p, 'utf8'))
      .catch(() => undefined);
    if (text !== undefined) {
      cmdline = { label: place, text };
      break;
    }
  }
  return { candidates, ...(cmdline ? { cmdline } : {}) };
}
