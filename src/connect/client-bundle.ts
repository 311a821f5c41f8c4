/**
 * Device-CA mode: the client bundle the device's first boot made, read from the card's FAT or
 * fetched over SSH.
 */
import { UsageError, UserError } from '../errors.js';
import { run, type Command } from '../exec.js';
import { readFat } from '../image/fat.js';
import { seedVolume } from '../seed/write.js';
import { splitBundle, type Bundle } from '../tls/bundle.js';

export async function bundleFromCard(target: string): Promise<Bundle> {
  const v = await seedVolume(target);
  const read = async (name: string) =>
    (await readFat(v, `/armada/client/${name}`))?.toString('utf8');
  const [ca, cert, key] = [await read('ca.pem'), await read('cert.pem'), await read('key.pem')];
  if (!ca || !cert || !key) {
    throw new UserError(
      `${target} has no armada/client/ bundle; it is written by first boot in device-CA mode (boot the card once), ` +
        `or the card was seeded in laptop-CA mode (then just run 'armada connect <host>')`,
    );
  }
  return { ca, cert, key };
}

export function sshFetchCommand(userAtHost: string): Command {
  return [
    'ssh',
    [
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      '--',
      userAtHost,
      'cat ~/.docker/ca.pem ~/.docker/cert.pem ~/.docker/key.pem',
    ],
  ];
}

export async function bundleFromSsh(userAtHost: string): Promise<Bundle> {
  if (!/^[A-Za-z0-9._-]+@[A-Za-z0-9.:-]+$/.test(userAtHost))
    throw new UsageError(`--ssh '${userAtHost}' is not user@host; give e.g. --ssh pi@pi-1.local`);
  const r = await run(sshFetchCommand(userAtHost), { allowFailure: true, timeoutMs: 30_000 });
  if (r.exitCode !== 0)
    throw new UserError(
      `could not fetch the client bundle over SSH from ${userAtHost}: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.exitCode}`}; check the SSH login, or use --from-card`,
    );
  const bundle = splitBundle(r.stdout);
  if (!bundle)
    throw new UserError(
      `${userAtHost}: ~/.docker/{ca,cert,key}.pem did not hold a CA, a certificate and a key; has first boot finished?`,
    );
  return bundle;
}
