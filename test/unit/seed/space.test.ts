import { expect, test } from 'vitest';
import { seedBytesOnFat } from '../../../src/seed/space.js';
import { parseFatSpace } from '../../../src/image/fat.js';

const file = (path: string, bytes: number) => ({
  path,
  content: Buffer.alloc(bytes),
  secret: false,
});

test('whole clusters per file and per directory, plus the root entry', () => {
  // seed.env (1 cluster) + authorized_keys (2 clusters) + armada/ (1) + root entry (1)
  expect(
    seedBytesOnFat([file('armada/seed.env', 100), file('armada/authorized_keys', 600)], 512),
  ).toBe(5 * 512);
  // A subdirectory is one more cluster, counted once for its two files.
  expect(
    seedBytesOnFat([file('armada/tls/ca.pem', 10), file('armada/tls/server.pem', 10)], 4096),
  ).toBe((2 + 2 + 1) * 4096);
  // Many entries spill a directory over one cluster.
  const many = Array.from({ length: 40 }, (_, i) => file(`armada/files/${i}`, 1));
  expect(seedBytesOnFat(many, 512)).toBeGreaterThan((40 + 2 + 1) * 512);
});

test('parseFatSpace reads minfo and mdir (digits grouped with spaces)', () => {
  expect(
    parseFatSpace(
      'sector size: 512 bytes\ncluster size: 4 sectors\n',
      'big             990000 2026-12-02   1:55\n        1 file              990 000 bytes\n                             34 816 bytes free\n',
    ),
  ).toEqual({ freeBytes: 34816, clusterBytes: 2048 });
  expect(parseFatSpace('', '')).toBeUndefined();
});
