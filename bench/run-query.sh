#!/usr/bin/env bash
# Benchmark: the Looker API of `ponte serve` vs DuckDB running the same SQL
# and chDB (ClickHouse in-process) running it in ClickHouse SQL (see
# query.py). Builds ponte in release mode, installs wrk (Debian) and the
# Python environment with DuckDB and chDB, writes the demo's data at ROWS invoice rows
# (default 10 million) once into bench/out/query, and serves it.
#
# Usage: bench/run-query.sh [query.py options]   (ROWS=1000000 for a quick run)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rows="${ROWS:-10000000}"
python="$(scripts/python-env.sh bench/requirements-bench.txt)"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release -p ponte
ponte="${CARGO_TARGET_DIR:-target}/release/ponte"
out="bench/out/query-$rows"
if [ ! -f "$out/.complete" ]; then
  rm -rf "$out"
  "$ponte" demo --dir "$out" --rows "$rows" --no-serve
  touch "$out/.complete"
fi
export PONTE_API_CLIENT_ID=bench-client PONTE_API_CLIENT_SECRET=bench-secret-7d1e PONTE_EMBED_SECRET=bench-embed-secret-0c4f
port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$ponte" serve --config "$out/ponte.toml" --bind "127.0.0.1:$port" 2>"$out/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
"$python" bench/query.py --base "http://127.0.0.1:$port" --warehouse "$out/.ponte/warehouse" \
  --client-id "$PONTE_API_CLIENT_ID" --client-secret "$PONTE_API_CLIENT_SECRET" --rows "$rows" "$@"
