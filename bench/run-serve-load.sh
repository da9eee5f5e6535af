#!/usr/bin/env bash
# Load and soak of the server and the daemon (see serve_load.py): 64
# concurrent clients for 60 s on the demo's main dashboard and API queries,
# then the daemon for 10 minutes with every schedule firing each minute.
# Builds ponte in release mode, installs wrk (Debian) and the Python
# environment, writes the demo's data at ROWS invoice rows (default 1
# million) into bench/out/serve-$ROWS. Results: bench/results/serve-load.md.
#
# Usage: bench/run-serve-load.sh [load|soak]...   (default: both)
#        SECONDS_LOAD=60 SOAK_MINUTES=10 ROWS=1000000 PONTE_BIN=path/to/ponte
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rows="${ROWS:-1000000}"
parts=("${@:-load soak}")
python="$(scripts/python-env.sh bench/requirements-bench.txt)"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
if [ -n "${PONTE_BIN:-}" ]; then
  ponte="$PONTE_BIN"   # a binary built elsewhere (say, a debug build)
else
  cargo build --release --locked -p ponte
  ponte="${CARGO_TARGET_DIR:-target}/release/ponte"
fi
out="bench/out/serve-$rows"
if [ ! -f "$out/.complete" ]; then
  rm -rf "$out"
  "$ponte" demo --dir "$out" --rows "$rows" --no-serve
  touch "$out/.complete"
fi
export PONTE_API_CLIENT_ID=bench-client PONTE_API_CLIENT_SECRET=bench-secret-7d1e PONTE_EMBED_SECRET=bench-embed-secret-0c4f
free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; echo "no server on $1" >&2; exit 1; }
common=(--ponte "$ponte" --client-id "$PONTE_API_CLIENT_ID" --client-secret "$PONTE_API_CLIENT_SECRET")
results=bench/results/serve-load.md
echo "# Load and soak ($rows invoice rows, $(nproc) cores, $(date -u +%F))" > "$results"

for part in ${parts[*]}; do
  port=$(free_port)
  if [ "$part" = load ]; then
    "$ponte" serve --config "$out/ponte.toml" --bind "127.0.0.1:$port" 2>"$out/serve.log" &
    server=$!
    trap 'kill $server 2>/dev/null || true' EXIT
    wait_for "$port"
    "$python" bench/serve_load.py load --base "http://127.0.0.1:$port" --pid "$server" --config "$out/ponte.toml" \
      "${common[@]}" --seconds "${SECONDS_LOAD:-60}" --out "$out/load.md"
    kill "$server"; wait "$server" || true
    cat "$out/load.md" >> "$results"
  else
    # A copy of the deployment whose schedules and transfer jobs fire every minute.
    soak="$out-soak"
    rm -rf "$soak" && cp -r "$out" "$soak"
    sed -i -E 's/^cron = "[^"]*"/cron = "* * * * *"/; s/cron = "0 8 \* \* \*"/cron = "* * * * *"/' "$soak/ponte.toml"
    "$ponte" run --config "$soak/ponte.toml" --bind "127.0.0.1:$port" 2>"$soak/daemon.log" &
    server=$!
    trap 'kill $server 2>/dev/null || true' EXIT
    wait_for "$port"
    "$python" bench/serve_load.py soak --base "http://127.0.0.1:$port" --pid "$server" --config "$soak/ponte.toml" \
      "${common[@]}" --seconds "$(( ${SOAK_MINUTES:-10} * 60 ))" --state-db "$soak/.ponte/ponte.db" --out "$out/soak.md"
    kill -TERM "$server"; wait "$server" || true
    cat "$out/soak.md" >> "$results"
  fi
done
echo "results in $results"
