import { createRequire } from 'node:module';

// package.json sits beside both src/ and dist/, so the same relative path works for both.
const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

export const armadaVersion: string = pkg.version;
