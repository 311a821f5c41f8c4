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
