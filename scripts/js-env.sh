#!/usr/bin/env bash
# Installs, once, the JavaScript clients the tests drive (Looker's Embed SDK
# 1.x and 2.x, unmodified from npm, pinned by scripts/js/package-lock.json)
# and prints the path of their node_modules folder.
#
# Like the Python environment, it lives outside the clone, keyed by the
# lockfile's hash, so a fresh clone reuses it. Override the location with
# PONTE_JS_DIR. Needs node and npm (the machine's).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
lock="$root/scripts/js/package-lock.json"
hash=$(cat "$root/scripts/js/package.json" "$lock" | sha256sum | cut -c1-12)
dir="${PONTE_JS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ponte/js-$hash}"
mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9
if [ ! -f "$dir/.complete" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$root/scripts/js/package.json" "$lock" "$dir/"
  echo "installing the test's JavaScript clients in $dir" >&2
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
  touch "$dir/.complete"
fi
echo "$dir/node_modules"
