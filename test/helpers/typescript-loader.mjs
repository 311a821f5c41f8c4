/**
 * Loaded with `node --import` by the test runner's workers (vitest.config.ts): worker threads that
 * the sources start from a file URL (src/bmap/hash-worker.ts) run outside vitest's transform, so
 * Node itself must read TypeScript there. Plain JavaScript because Node runs it before any loader.
 */
import { register } from 'node:module';

register('./typescript-hooks.mjs', import.meta.url);
