/**
 * The seed's data model: what the user asked for (flags, user-data), the validated settings, and
 * the files planned for one card's `armada/` directory.
 */

/** Flags shared by `armada flash` and `armada configure` (see src/cli/seed-options.ts). */
export interface SeedFlags {
  hostname?: string;
  user?: string;
  /** Public key files; empty = pick one from ~/.ssh when no other login is given. */
  sshKey?: string[];
  password?: string;
  wifiSsid?: string;
  wifiPassword?: string;
  /** The network has no passphrase (no WPA). */
  wifiOpen?: boolean;
  wifiCountry?: string;
  timezone?: string;
  locale?: string;
  keymap?: string;
  /** A cloud-init #cloud-config file. */
  userData?: string;
  tls?: TlsMode;
  insecureTcp?: boolean;
  /**
   * Device-CA mode: the card's first boot makes a new device CA even when nothing else asks for
   * one, so every client certificate the old CA signed is refused (`ROTATE_CA` in seed.env).
   */
  rotateCa?: boolean;
  /** unattended-upgrades from the security suite (default on; false: --no-security-updates). */
  securityUpdates?: boolean;
  /** Docker's live-restore: containers outlive a dockerd restart (default on; swarm nodes need it off). */
  liveRestore?: boolean;
  /** First value of `{n}` in the hostname template. */
  start?: number;
  /** The login user's sudo: without password, with it, or none. */
  sudo?: SudoMode;
  /** Extra subject alternative names for each card's server certificate. */
  san?: string[];
  /** Lines for the armada block of the card's config.txt (repeatable flag). */
  configTxt?: string[];
  /** A file of such lines; an empty file removes the block. */
  configTxtFile?: string;
}

export type TlsMode = 'laptop' | 'device';

export type SudoMode = 'nopasswd' | 'password' | 'none';

/** One validation finding, with where it is and how to fix it. */
export interface Problem {
  severity: 'error' | 'warning';
  /** 1-based line in the user-data file; absent for flags. */
  line?: number;
  /** `users[0].passwd`, `--wifi-country`, ... */
  path: string;
  message: string;
  fix: string;
}

export interface WriteFile {
  path: string;
  /** Already decoded (b64/gzip): the bytes that land on the device. */
  content: Uint8Array;
  mode: number;
  owner: string;
  append: boolean;
}

export interface WifiSettings {
  ssid: string;
  /** A WPA passphrase (8–63 chars) or an already-derived 64-hex-digit PSK; absent: open network. */
  passphrase?: string;
  /**
   * User-data named an open network (netplan: an access point without a password, or
   * `key-management: none`; wpa_supplicant: `key_mgmt=NONE`): what --wifi-open says on the
   * command line.
   */
  open?: boolean;
  country?: string;
}

/** What a netplan `match:` selects: every given condition must hold (networkd [Match]). */
export interface EthernetMatch {
  /** Kernel name or glob (e.g. en*); without `match:` the key under `ethernets:`. */
  name?: string;
  /** Lower case, colon-separated. */
  macAddress?: string;
  /** Kernel driver names or globs, e.g. r8152. */
  drivers?: string[];
}

export interface EthernetSettings {
  /** The key under `ethernets:`: the interface name without `match:`, else only an ID. */
  id: string;
  match: EthernetMatch;
  /** Renames the matched interface (a systemd .link file). */
  setName?: string;
  dhcp4: boolean;
  dhcp6: boolean;
  addresses: string[];
  gateway4?: string;
  gateway6?: string;
  routes: { to: string; via: string; metric?: number }[];
  nameservers: string[];
  searchDomains: string[];
  mtu?: number;
  /** Not waited for (networkd RequiredForOnline=no). */
  optional: boolean;
}

export interface UserSettings {
  name?: string;
  sshKeys: string[];
  /** crypt(3) hash as given in user-data (passwd / hashed_passwd). */
  passwordHash?: string;
  /** Plain text (plain_text_passwd, chpasswd, --password): hashed on the laptop before writing. */
  password?: string;
  sudo?: string;
  groups: string[];
  shell?: string;
  gecos?: string;
}

/** Everything parsed and validated, before secrets are derived and per-card values filled in. */
export interface SeedSettings {
  /** May contain `{n}`. */
  hostname?: string;
  user: UserSettings;
  sshPwauth?: boolean;
  timezone?: string;
  locale?: string;
  keymap?: string;
  wifi?: WifiSettings;
  /** ISO 3166-1 alpha-2, upper case; also given without a network (sets the regulatory domain). */
  wifiCountry?: string;
  ethernets: EthernetSettings[];
  writeFiles: WriteFile[];
  runcmd: (string | string[])[];
  tlsMode: TlsMode;
  insecureTcp: boolean;
  /**
   * `--rotate-ca`: this run's id for the request (`ROTATE_CA`), made when the seeds are prepared;
   * first boot rotates once per id, so a retry of the same seed does not rotate again.
   */
  rotateCaId?: string;
  securityUpdates: boolean;
  liveRestore: boolean;
}

export interface CardCerts {
  caPem: string;
  serverCertPem: string;
  serverKeyPem: string;
}

/** Device-CA mode: the laptop's certificate request (public material only) for first boot to sign. */
export interface DeviceCaRequest {
  clientCsrPem: string;
}

export interface SeedFile {
  /** Relative to the FAT root, always under `armada/`. */
  path: string;
  content: string | Uint8Array;
  /** Holds a key, password hash or PSK: never printed; first boot removes the secret from the card. */
  secret: boolean;
}

export interface PreparedSeed {
  /** The card's `{n}`. */
  index: number;
  hostname?: string;
  tlsMode: TlsMode;
  /** SHA-256 (hex) of the server certificate in laptop-CA mode. */
  serverCertSha256?: string;
  files: SeedFile[];
  /**
   * The armada block of config.txt, validated: replaced by these lines ([] removes it); absent
   * when neither --config-txt nor --config-txt-file was given (the block is kept).
   */
  configTxt?: string[];
  /** Non-fatal findings, already shown to the user once. */
  warnings: string[];
}
