#!/usr/bin/env bash
# Benchmark: ponte sync vs rclone sync (see sync.py). Builds ponte in release
# mode and installs what the benchmark needs first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-test-tools.sh
python="$(scripts/python-env.sh)"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
cargo build --release -p ponte
target="${CARGO_TARGET_DIR:-target}"
exec "$python" bench/sync.py --ponte "$target/release/ponte" "$@"
