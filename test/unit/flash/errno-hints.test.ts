import { describe, expect, it } from 'vitest';
import { errnoHint } from '../../../src/errors.js';

describe('errnoHint', () => {
  it.each(['EACCES', 'EPERM'])('%s: sudo for a user, never for root', (code) => {
    expect(errnoHint(code, false)).toMatch(/run it again with sudo/);
    const asRoot = errnoHint(code, true);
    expect(asRoot).toMatch(/even as root/);
    expect(asRoot).not.toMatch(/sudo/);
  });

  it.each(['EIO', 'ENXIO', 'EROFS', 'ENOSPC'])('%s does not speak of permissions', (code) => {
    for (const root of [true, false]) expect(errnoHint(code, root)).not.toMatch(/sudo|permission/);
  });

  it('unknown codes have no hint', () => {
    expect(errnoHint('EWHATEVER', false)).toBeUndefined();
    expect(errnoHint('toString', false)).toBeUndefined();
  });
});
