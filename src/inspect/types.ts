/**
 * What `armada inspect` reports about an image file or card; also its --json document.
 */
import type { ModelVerdict } from '../image/pi-models.js';
import type { BootChainVerdict } from '../boot-chain/models.js';

export interface OsRelease {
  prettyName: string;
  id: string;
  versionId?: string;
  codename?: string;
  debianVersion?: string;
}

export interface PackageVersion {
  package: string;
  version: string;
}

export interface PackageVersions {
  docker?: PackageVersion;
  containerd?: PackageVersion;
  runc?: PackageVersion;
  compose?: PackageVersion;
  buildx?: PackageVersion;
}

export interface SeedSummary {
  /** Paths below armada/ on the FAT partition. */
  files: string[];
  hostname?: string;
  user?: string;
  tlsMode?: string;
  insecureTcp: boolean;
  timezone?: string;
  wifiSsid?: string;
  wifiCountry?: string;
  sshKeys: number;
  /** Whether a secret is there, never the secret. */
  passwordHashSet: boolean;
  wifiPskSet: boolean;
  certificates: { caSha256?: string; serverSha256?: string };
  /** A laptop-made server key still on the card (first boot removes it once installed). */
  serverKeyOnCard: boolean;
  /** Device-CA mode: first boot left the client bundle for `armada connect --from-card`. */
  clientBundleOnCard: boolean;
  problems: string[];
}

export interface FirstBootStatus {
  ok: boolean;
  hostname?: string;
  endpoint?: string;
  tlsMode?: string;
  serverCertSha256?: string;
  caCertSha256?: string;
  seconds?: number;
  insecureTcp: boolean;
  version?: string;
  failedSteps: string[];
  /** Every interface's addresses, as the device reported them once networkd configured the links. */
  interfaces?: Record<string, string[]>;
}

export interface InspectedPartition {
  n: number;
  type: string;
  bootable: boolean;
  offsetBytes: number;
  sizeBytes: number;
  fs?: string;
  label?: string;
}

export interface KernelCheckSummary {
  ok: boolean;
  version?: string;
  /** The file the config was read from ('p2:/boot/config-6.12.118+deb13-arm64'). */
  file: string;
  summary: string;
  missingRequired: string[];
}

export interface InspectReport {
  target: string;
  kind: 'image' | 'device';
  sizeBytes: number;
  layout: { label: 'dos' | 'gpt'; diskId: string; partitions: InspectedPartition[] };
  os: OsRelease | null;
  /** armada's own stamp (/etc/armada/image.env); null for images armada did not build. */
  armada: { version?: string; builtAt?: string } | null;
  kernels: string[];
  kernelCheck: KernelCheckSummary | { error: string };
  packages: PackageVersions;
  piModels: ModelVerdict[];
  /** Each model's boot chain proven from its device tree (docs/pi-models.md), or why it could not run. */
  bootChain: BootChainVerdict[] | { error: string };
  seed: SeedSummary | null;
  firstBoot: FirstBootStatus | { error: string } | null;
  /** Things to act on (a model the image cannot boot, an unreadable part). */
  warnings: string[];
}
