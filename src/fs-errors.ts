import { UserError } from './errors.js';

/**
 * "No such file": the one filesystem error that callers routinely expect (a file that may not be
 * there yet, an optional directory). Every other error still propagates.
 */
export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** The promise's value, or `fallback` when the path does not exist. */
export async function unlessMissing<T, F>(promise: Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await promise;
  } catch (error) {
    if (isNotFound(error)) return fallback;
    throw error;
  }
}

/** The file system is full (ENOSPC), or this user's quota on it is (EDQUOT). */
export function isNoSpace(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * "No space" while writing into `dir`, named as what it is (`armada's config dir`) rather than
 * with the generic errno hint, which speaks of the device being written (a card).
 */
export function noSpaceIn(
  what: string,
  dir: string,
  error: unknown,
  orElse?: string,
): UserError | undefined {
  if (!isNoSpace(error)) return undefined;
  const e = error as NodeJS.ErrnoException;
  const where = e.path && e.path !== dir ? ` writing ${e.path}` : '';
  const fixes = [
    `free some space on the file system holding it (df -h '${dir}')`,
    ...(e.code === 'EDQUOT' ? ['raise your quota'] : []),
    ...(orElse ? [orElse] : []),
  ];
  return new UserError(
    `no space left for ${what} ${dir} (${e.code}${where}); ${fixes.slice(0, -1).join(', ')}${fixes.length > 1 ? ' or ' : ''}${fixes[fixes.length - 1]}`,
  );
}
