#!/bin/sh
# The second half of `npm run build`: src/templates into dist/templates (or $1), so dist/ is
# complete. The new copy is made beside the old one and swapped in by renames: a build that
# starts meanwhile finds either the whole old set or the whole new one (and builds read their
# templates once, at their start).
set -eu
cd "$(dirname "$0")/.."
dest=${1:-dist/templates}
mkdir -p "$(dirname "$dest")"
new=$(mktemp -d "$dest.new.XXXXXX")
cp -R src/templates/. "$new"
chmod 755 "$new"
if [ -e "$dest" ]; then
  old=$(mktemp -d "$dest.old.XXXXXX")
  mv "$dest" "$old/"
  mv "$new" "$dest"
  rm -rf "$old"
else
  mv "$new" "$dest"
fi
