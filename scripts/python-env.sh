#!/usr/bin/env bash
# Creates, once, the Python environment that tests and benchmarks use as an
# independent oracle (pyarrow, and later DuckDB, moto, looker-sdk), and prints
# the path of its python.
#
# The venv lives outside the clone, keyed by the requirements file's hash, so
# a fresh clone reuses it and a change of requirements builds a new one.
# Override the location with PONTE_VENV_DIR.
#
# Usage: scripts/python-env.sh [REQUIREMENTS]  (a path relative to the
# repository; default scripts/requirements-test.txt). Benchmarks pass
# bench/requirements-bench.txt, which adds the peers they compare with.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
req="$root/${1:-scripts/requirements-test.txt}"
[ -f "$req" ] || { echo "no requirements file $req" >&2; exit 2; }
test_req="$root/scripts/requirements-test.txt"
# Another file includes the test requirements: its hash covers them too.
if [ "$req" = "$test_req" ]; then hashed=("$req"); else hashed=("$req" "$test_req"); fi
hash=$(cat "${hashed[@]}" | sha256sum | cut -c1-12)
venv="${PONTE_VENV_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ponte/venv-$hash}"
mkdir -p "$(dirname "$venv")"
# Tests may call this concurrently on a fresh machine: one builds, the rest wait.
exec 9>"$venv.lock"
flock 9
if [ ! -f "$venv/.complete" ]; then
  rm -rf "$venv"
  echo "creating the test Python environment in $venv" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2
  touch "$venv/.complete"
fi
echo "$venv/bin/python"
