#!/usr/bin/env bash
# `make install` / `make uninstall`: a link PREFIX/bin/armada → this checkout's bin/armada.js, so
# `armada …` works as the README shows it. The link follows the checkout: `git pull && make
# install` updates it. Uninstall removes the link only when it is ours.
set -euo pipefail
cd "$(dirname "$0")/.."
die() { printf 'install: %s\n' "$*" >&2; exit 1; }

uninstall=0
if [ "${1:-}" = --uninstall ]; then uninstall=1; shift; fi
prefix=${1:-/usr/local}
target=$(pwd)/bin/armada.js
link=$prefix/bin/armada

if [ "$uninstall" = 1 ]; then
  if [ -L "$link" ] && [ "$(readlink "$link")" = "$target" ]; then
    rm -f "$link"
    printf 'install: removed %s\n' "$link" >&2
  elif [ -e "$link" ] || [ -L "$link" ]; then
    die "$link is not this checkout's armada ($(readlink "$link" || echo 'not a link')); left as it is"
  fi
  exit 0
fi

[ -f dist/cli.js ] || die "dist/cli.js is missing: run 'make setup' first"
if [ -e "$link" ] && ! [ -L "$link" ]; then
  die "$link exists and is not a link; move it away or choose another PREFIX (make install PREFIX=~/.local)"
fi
mkdir -p "$prefix/bin" || die "cannot create $prefix/bin; run as root or choose PREFIX=~/.local"
ln -sfn "$target" "$link"
case ":$PATH:" in
  *":$prefix/bin:"*) printf 'install: %s → %s\n' "$link" "$target" >&2 ;;
  *) printf 'install: %s → %s (%s/bin is not on your PATH: add it)\n' "$link" "$target" "$prefix" >&2 ;;
esac
