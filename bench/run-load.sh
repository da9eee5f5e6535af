#!/usr/bin/env bash
# Benchmark: ponte load vs pandas (the original Cloud Function) vs DuckDB
# (CREATE TABLE, and COPY to zstd parquet) vs Polars (scan_parquet +
# sink_parquet) alone (see load.py). Builds ponte in release mode and installs
# the Python environment with pandas, pyarrow, DuckDB and Polars first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python="$(scripts/python-env.sh bench/requirements-bench.txt)"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
cargo build --release -p ponte
target="${CARGO_TARGET_DIR:-target}"
exec "$python" bench/load.py --ponte "$target/release/ponte" "$@"
