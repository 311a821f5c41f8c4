#!/usr/bin/env bash
# Idempotent host set-up for armada on Debian/Ubuntu: installs the host tools listed in
# src/host/host-tools.json with apt when missing, enables qemu binfmt for foreign
# architectures, then runs `npm ci` and the TypeScript build only when they are stale.
# Safe to run again and again; it does nothing when everything is in place.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null || die "Node.js >= 20.19 is needed; install it first (e.g. apt-get install nodejs)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
  die "Node.js >= 20.19 is needed, found $(node --version)"

if [ "$(id -u)" != 0 ]; then
  SUDO=sudo
  command -v sudo >/dev/null || die "run as root (or install sudo): apt-get needs root"
else
  SUDO=
fi

# Packages this platform needs, from the one list doctor also reads.
mapfile -t packages < <(node -e '
  const d = require("./src/host/host-tools.json");
  const cp = require("child_process");
  const has = (b) => cp.spawnSync("sh", ["-c", `command -v "${b}"`]).status === 0;
  const set = new Set(d.aptExtra);
  for (const t of d.tools) if (!(t.skipInstallWhenPresent && has(t.bin))) set.add(t.apt);
  console.log([...set].sort().join("\n"));')

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q >/dev/null || die "apt-get update failed; check the machine's apt sources and network"
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install failed for: ${missing[*]}"
else
  say "host packages: all installed"
fi

# Foreign-architecture builds run arm64 binaries through qemu-user; containers and CI machines
# often have binfmt_misc unmounted or the entries disabled.
if [ "$(uname -m)" != aarch64 ]; then
  if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
    $SUDO mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null ||
      say "warning: cannot mount binfmt_misc; foreign-architecture builds will fail"
  fi
  for a in qemu-aarch64 qemu-arm; do
    if [ -e /proc/sys/fs/binfmt_misc/status ] && ! grep -qs '^enabled' "/proc/sys/fs/binfmt_misc/$a"; then
      $SUDO update-binfmts --enable "$a" >/dev/null 2>&1 || say "warning: could not enable binfmt $a"
    fi
  done
fi

# npm ci only when the lock file changed since the last install.
stamp=node_modules/.armada-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > "$stamp"
fi

# Rebuild dist/ only when a source file is newer than the last build.
if [ ! -f dist/cli.js ] || [ -n "$(find src tsconfig.json tsconfig.build.json package.json -newer dist/cli.js -print -quit)" ]; then
  say "building TypeScript"
  # The same build as `npm run build`: the compiled code and the templates it renders.
  npm run --silent build >&2
  touch dist/cli.js
fi
say "ready"
