/**
 * How cache entries are keyed (stages, installed bases): a short digest of everything that decides
 * their content.
 */
import { createHash } from 'node:crypto';

/** A cache key: 16 hex digits of the sha256 of the inputs as JSON (their order made canonical). */
export function shortKey(canonical: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 16);
}
