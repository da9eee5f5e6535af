#!/usr/bin/env bash
# Creates, once, the Python environment that tests and benchmarks use as an
# independent oracle (pyarrow, and later DuckDB, moto, looker-sdk), and prints
# the path of its python.
#
# The venv lives outside the clone, keyed by the requirements file's hash, so
# a fresh clone reuses it and a change of requirements builds a new one.
# Override the location with PONTE_VENV_DIR.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
req="$root/scripts/requirements-test.txt"
hash=$(sha256sum "$req" | cut -c1-12)
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
