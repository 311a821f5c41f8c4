/**
 * Artifacts are made in a private directory inside --out and renamed into place only when all of
 * them are complete: a failed or interrupted build leaves the previous release files untouched.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Step } from '../../progress.js';
import { run, spawnStreaming } from '../../exec.js';
import { onCleanup } from '../../cleanup.js';
import { CommandFailedError } from '../../exec.js';
import { produced, type Artifact, type BuildContext } from '../context.js';
import type { BuildOptions } from '../options.js';
import { artifactName, compressCommand, sha256sums } from '../plan-artifacts.js';
import { buildManifest } from '../manifest.js';
import { createBmap } from '../../bmap/create.js';
import { artifactCache } from '../artifact-cache.js';
import { sha256OfFile } from '../../source/checksum.js';
import { signFile } from '../../sign/sign-sums.js';
import { signatureSuffix } from '../../sign/sshsig.js';

async function compress(kind: 'xz' | 'zst' | 'zip', image: string, dest: string): Promise<void> {
  const { cmd, stdoutTo } = compressCommand(kind, image, dest);
  if (!stdoutTo) {
    await run(cmd);
    return;
  }
  const child = spawnStreaming(cmd);
  child.stdin.end();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await pipeline(child.stdout, createWriteStream(stdoutTo));
  const result = await child;
  if (result.exitCode !== 0) throw new CommandFailedError(cmd, result.exitCode, stderr);
}

async function datasync(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

export function writeArtifacts(o: BuildOptions, buildTime: Date): Step<BuildContext> {
  return {
    name: 'write-artifacts',
    title: `Write artifacts to ${o.out}`,
    run: async (ctx, report) => {
      // Made only now: a --base build that fails earlier leaves no output directory behind.
      await mkdir(o.out, { recursive: true });
      const staging = await mkdtemp(join(o.out, '.armada-partial-'));
      onCleanup('remove partial artifacts', () => rm(staging, { recursive: true, force: true }));
      const img = join(staging, artifactName(o, 'img'));
      await rename(produced(ctx, 'imagePath'), img);
      ctx.imagePath = img;
      const files: { kind: Artifact['kind']; path: string }[] = [{ kind: 'img', path: img }];
      report.status('bmap and image checksum');
      // One read: the bmap's range hashes and the image's own sha256 (the artifact cache's key).
      // Meanwhile the image is synced: its write-back overlaps the hashing, and the image is on
      // disk when the build returns (however its bytes were written: build --base's debugfs may
      // skip its own fsync, plan-upper.ts).
      const [{ xml, imageSha256: imgSha }] = await Promise.all([createBmap(img), datasync(img)]);
      const bmapPath = join(staging, artifactName(o, 'bmap'));
      await writeFile(bmapPath, xml);
      const reuse = artifactCache(o.cacheDir, imgSha);
      if (o.compress.length) report.status(o.compress.join(', '));
      const reused: string[] = [];
      await Promise.all(
        o.compress.map(async (kind) => {
          const k = kind === 'zip' ? 'zip' : (`img.${kind}` as const);
          const dest = join(staging, artifactName(o, k));
          await reuse.make(dest, reused, (to) => compress(kind, img, to));
          files.push({ kind: k, path: dest });
        }),
      );
      await reuse.done();
      if (reused.length)
        report.status(`same image as an earlier build: reused ${reused.join(', ')}`);
      ctx.reusedArtifacts = reused;
      files.push({ kind: 'bmap', path: bmapPath });
      report.status('checksums and manifest');
      const artifacts: Artifact[] = [];
      for (const f of files)
        artifacts.push({
          kind: f.kind,
          path: join(o.out, basename(f.path)),
          bytes: (await stat(f.path)).size,
          sha256: f.path === img ? imgSha : await sha256OfFile(f.path),
        });
      artifacts.sort((a, b) => a.path.localeCompare(b.path));
      const manifest = buildManifest(o, ctx, artifacts, buildTime);
      await writeFile(join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
      const manifestHash = await sha256OfFile(join(staging, 'manifest.json'));
      const sums = [
        ...artifacts.map((a) => ({ file: basename(a.path), sha256: a.sha256! })),
        { file: 'manifest.json', sha256: manifestHash },
      ];
      await writeFile(
        join(staging, 'SHA256SUMS'),
        sha256sums(sums.sort((a, b) => a.file.localeCompare(b.file))),
      );
      // Signed in the staging dir: a release is never in --out without its signature.
      const signed = o.signKey ? await signFile(o.signKey, join(staging, 'SHA256SUMS')) : undefined;
      const names = [...files.map((f) => basename(f.path)), 'manifest.json', 'SHA256SUMS'];
      if (signed) names.push(basename(signed));
      // A signature left from an earlier signed build would not match this SHA256SUMS.
      else await rm(join(o.out, `SHA256SUMS${signatureSuffix}`), { force: true });
      for (const name of names) await rename(join(staging, name), join(o.out, name));
      await rm(staging, { recursive: true, force: true });
      ctx.imagePath = join(o.out, artifactName(o, 'img'));
      ctx.manifest = manifest;
      ctx.artifacts = [
        ...artifacts,
        {
          kind: 'manifest',
          path: join(o.out, 'manifest.json'),
          bytes: (await stat(join(o.out, 'manifest.json'))).size,
          sha256: manifestHash,
        },
        {
          kind: 'SHA256SUMS',
          path: join(o.out, 'SHA256SUMS'),
          bytes: (await stat(join(o.out, 'SHA256SUMS'))).size,
        },
        ...(signed
          ? [
              {
                kind: 'SHA256SUMS.sig' as const,
                path: join(o.out, basename(signed)),
                bytes: (await stat(join(o.out, basename(signed)))).size,
              },
            ]
          : []),
      ];
    },
  };
}
