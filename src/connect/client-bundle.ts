/**
 * Device-CA mode: the certificate the device's CA signed for this laptop's key, read from the
 * card's FAT (`armada/client/{ca,cert}.pem`, written by first boot from the seed's request) or
 * signed on request over SSH. The private key never leaves the laptop (src/tls/device-client.ts).
 */
import { UsageError, UserError } from '../errors.js';
import { run, type Command } from '../exec.js';
import type { ConfigPaths } from '../config-dir.js';
import { firstBootPaths } from '../firstboot/plan.js';
import { readFat } from '../image/fat.js';
import { seedVolume } from '../seed/write.js';
import type { Bundle } from '../tls/bundle.js';
import {
  deviceClientCsr,
  ensureDeviceClientKey,
  pairWithKey,
  readDeviceClientKey,
  splitCertificates,
} from '../tls/device-client.js';

export async function bundleFromCard(target: string, paths: ConfigPaths): Promise<Bundle> {
  const v = await seedVolume(target);
  const read = async (name: string) =>
    (await readFat(v, `/armada/client/${name}`))?.toString('utf8');
  const [ca, cert] = [await read('ca.pem'), await read('cert.pem')];
  if (!ca || !cert) {
    throw new UserError(
      `${target} has no armada/client/cert.pem: first boot writes it when the card was seeded with ` +
        `'armada configure --tls device' (boot the card once); otherwise use --ssh <user>@<host>, ` +
        `or for a laptop-CA card just run 'armada connect <host>'`,
    );
  }
  const key = await readDeviceClientKey(paths);
  if (!key)
    throw new UserError(
      `this laptop has no device-client key (${paths.deviceKey}), so the certificate on ${target} was made for another laptop; ` +
        `re-seed the card with 'armada configure --tls device' here, or use --ssh`,
    );
  return pairWithKey({ ca, cert }, key, `${target} armada/client/`);
}

/** The device signs this laptop's certificate request with its CA (root, via sudo). */
function sshSignCommand(userAtHost: string): Command {
  return [
    'ssh',
    [
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      '--',
      userAtHost,
      `sudo -n ${firstBootPaths.script} sign-client`,
    ],
  ];
}

export async function bundleFromSsh(userAtHost: string, paths: ConfigPaths): Promise<Bundle> {
  if (!/^[A-Za-z0-9._-]+@[A-Za-z0-9.:-]+$/.test(userAtHost))
    throw new UsageError(`--ssh '${userAtHost}' is not user@host; give e.g. --ssh pi@pi-1.local`);
  const csr = await deviceClientCsr(paths);
  const key = await ensureDeviceClientKey(paths);
  const r = await run(sshSignCommand(userAtHost), {
    input: csr,
    allowFailure: true,
    timeoutMs: 60_000,
  });
  if (r.exitCode !== 0)
    throw new UserError(
      `the device did not sign this laptop's certificate request over SSH (${userAtHost}): ${r.stderr.trim().split('\n').pop() ?? `exit ${r.exitCode}`}; ` +
        `the user needs SSH access and sudo without a password, or use --from-card`,
    );
  const got = splitCertificates(r.stdout);
  if (!got)
    throw new UserError(
      `${userAtHost} did not answer with a CA and a certificate; has first boot finished?`,
    );
  return pairWithKey(got, key, userAtHost);
}
