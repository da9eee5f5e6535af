"""Load and soak of a running ponte, for bench/run-serve-load.sh.

load:  64 concurrent clients (wrk) for 60 s on the demo's main dashboard as
       an embedded customer sees it (the whole page: every tile's query and
       its SVG) and on the API queries behind it (each tile's query, a look),
       in turn. Reports requests served, errors (non-2xx and socket errors),
       latency percentiles and the server's RSS before and after.
soak:  the daemon with every schedule firing each minute for 10 minutes
       (seven loads a minute), with API traffic beside it. Reports runs by
       status, fires missed, request errors and the daemon's RSS every
       minute.

Both write Markdown to --out and exit non-zero on any error.
"""

import argparse
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("part", choices=["load", "soak"])
    ap.add_argument("--base", required=True)
    ap.add_argument("--pid", type=int, required=True, help="the server's process, for its RSS")
    ap.add_argument("--ponte", required=True, help="the ponte binary (signs the embed URL)")
    ap.add_argument("--config", required=True)
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--client-secret", required=True)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--state-db", help="soak: the state database, for the run history")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    lines = load(args) if args.part == "load" else soak(args)
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).write_text(text)
    if any(line.startswith("FAILED") for line in lines):
        sys.exit(1)


def rss_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def api_token(args):
    r = requests.post(f"{args.base}/api/4.0/login", data={"client_id": args.client_id, "client_secret": args.client_secret})
    r.raise_for_status()
    return r.json()["access_token"]


def embed_cookie(args, customer="1"):
    url = subprocess.run(
        [args.ponte, "embed-url", "/embed/dashboards/visao_geral", "--user", f"load-{customer}", "--attr",
         f"id_cliente={customer}", "--host", args.base, "--config", args.config],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    r = requests.get(url, allow_redirects=False)
    if r.status_code != 303:
        raise SystemExit(f"embed login refused: {r.status_code} {r.text[:300]}")
    return re.search(r"ponte_embed=([0-9a-f]+)", r.headers["set-cookie"]).group(1), r.headers["location"]


def tile_queries(args, token):
    dashboard = requests.get(f"{args.base}/api/4.0/dashboards/visao_geral", headers={"Authorization": f"token {token}"})
    dashboard.raise_for_status()
    out = []
    for element in dashboard.json()["dashboard_elements"]:
        q = element.get("query") or {}
        if q:
            out.append({k: q[k] for k in ["model", "view", "fields", "filters", "sorts", "limit"] if q.get(k) is not None})
    return out


def lua_string(text):
    return json.dumps(text)


def load(args):
    token = api_token(args)
    cookie, page = embed_cookie(args)
    requests_lua = [
        f'wrk.format("GET", {lua_string(page)}, {{["Cookie"] = {lua_string("ponte_embed=" + cookie)}}})',
        f'wrk.format("GET", "/api/4.0/looks/1/run/json", {{["Authorization"] = {lua_string("token " + token)}}})',
    ]
    for q in tile_queries(args, token):
        headers = f'{{["Authorization"] = {lua_string("token " + token)}, ["Content-Type"] = "application/json"}}'
        requests_lua.append(f'wrk.format("POST", "/api/4.0/queries/run/json", {headers}, {lua_string(json.dumps(q))})')
    script = Path(args.out).with_suffix(".lua")
    script.write_text(
        "local requests = {}\n"
        "local n = 0\n"
        "init = function(args)\n"
        + "".join(f"  requests[{i + 1}] = {r}\n" for i, r in enumerate(requests_lua))
        + "end\n"
        "request = function()\n"
        "  n = n + 1\n"
        "  return requests[(n % #requests) + 1]\n"
        "end\n"
    )
    before = rss_mib(args.pid)
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(args.connections), "-d", f"{args.seconds}s", "--timeout", "30s", "--latency",
         "-s", str(script), args.base],
        capture_output=True, text=True, check=True,
    ).stdout
    after = rss_mib(args.pid)
    cache = cache_counts(args.base)
    served = int(re.search(r"(\d+) requests in", out).group(1))
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
    pct = {p: re.search(rf"^\s+{p}%\s+(\S+)", out, re.M).group(1) for p in (50, 90, 99)}
    non2xx = int((re.search(r"Non-2xx or 3xx responses: (\d+)", out) or [0, 0])[1])
    sock = re.search(r"Socket errors: (.*)", out)
    errors = non2xx + (sum(int(n) for n in re.findall(r"\d+", sock.group(1))) if sock else 0)
    lines = [
        f"## Load: {args.connections} concurrent clients for {args.seconds} s",
        "",
        f"Requests in turn: the main dashboard embedded for customer 1 (the whole page), "
        f"look 1 as JSON, and each of the dashboard's {len(requests_lua) - 2} tile queries through the API.",
        "",
        f"- served {served} requests ({rps}/s), errors: {errors} (non-2xx {non2xx}, socket: {sock.group(1) if sock else 'none'})",
        f"- latency p50 {pct[50]}, p90 {pct[90]}, p99 {pct[99]}",
        f"- server RSS {before:.0f} MiB before, {after:.0f} MiB after",
        f"- warehouse queries answered from the result cache: {cache.get('hit', 0)}, read from the tables: "
        f"{cache.get('miss', 0)} (from /metrics)",
        "",
        "```",
        out.strip(),
        "```",
    ]
    if errors:
        lines.append(f"FAILED: {errors} errors")
    return lines


def cache_counts(base):
    """Queries by result-cache outcome, summed over surfaces, from /metrics."""
    text = requests.get(f"{base}/metrics").text
    counts = {}
    for outcome, n in re.findall(r'^ponte_query_duration_seconds_count\{[^}]*cache="(\w+)"[^}]*\} (\d+)', text, re.M):
        counts[outcome] = counts.get(outcome, 0) + int(n)
    return counts


def soak(args):
    """The daemon runs its schedules (every minute) while clients query."""
    import sqlite3

    token = api_token(args)
    queries = tile_queries(args, token)
    cookie, page = embed_cookie(args)
    stop = threading.Event()
    latencies, errors = [], []

    def client(i):
        session = requests.Session()
        n = i
        while not stop.is_set():
            n += 1
            start = time.monotonic()
            try:
                if n % 3 == 0:
                    r = session.get(args.base + page, headers={"Cookie": f"ponte_embed={cookie}"})
                else:
                    r = session.post(f"{args.base}/api/4.0/queries/run/json", json=queries[n % len(queries)],
                                     headers={"Authorization": f"token {token}"})
                if r.status_code != 200:
                    errors.append(f"{r.status_code} {r.text[:200]}")
            except requests.RequestException as e:
                errors.append(str(e))
            latencies.append(time.monotonic() - start)
            time.sleep(0.2)

    db = sqlite3.connect(args.state_db, timeout=30)
    first_run = db.execute("SELECT coalesce(max(id), 0) FROM runs").fetchone()[0]
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(4)]
    for t in threads:
        t.start()
    samples = [(0, rss_mib(args.pid))]
    start = time.monotonic()
    while time.monotonic() - start < args.seconds:
        time.sleep(min(60, args.seconds - (time.monotonic() - start)) if args.seconds > 60 else args.seconds)
        samples.append((round(time.monotonic() - start), rss_mib(args.pid)))
    stop.set()
    for t in threads:
        t.join()
    time.sleep(5)  # the last minute's loads finish
    runs = db.execute(
        "SELECT kind, status, count(*) FROM runs WHERE id > ? GROUP BY kind, status ORDER BY kind, status", (first_run,)
    ).fetchall()
    bad = [r for r in runs if r[1] not in ("succeeded", "running")]
    loads_ok = sum(n for kind, status, n in runs if kind == "load" and status == "succeeded")
    lat = sorted(latencies)
    p = lambda q: lat[min(len(lat) - 1, int(len(lat) * q / 100))] * 1000 if lat else float("nan")
    lines = [
        f"## Soak: the daemon for {args.seconds // 60} minutes, every schedule firing each minute",
        "",
        f"- runs: {', '.join(f'{kind} {status} {n}' for kind, status, n in runs)}",
        f"- loads succeeded: {loads_ok} (expected about {7 * args.seconds // 60})",
        f"- {len(latencies)} API and page requests beside it (4 clients), errors: {len(errors)}, "
        f"p50 {p(50):.1f} ms, p99 {p(99):.1f} ms",
        f"- daemon RSS (MiB) by minute: {', '.join(f'{rss:.0f}' for _, rss in samples)}",
        f"- RSS at start {samples[0][1]:.0f} MiB, at end {samples[-1][1]:.0f} MiB",
    ]
    if bad or errors:
        lines.append(f"FAILED: runs {bad}, request errors {errors[:5]}")
    if loads_ok < 7 * (args.seconds // 60 - 1):
        lines.append(f"FAILED: only {loads_ok} loads succeeded")
    return lines


if __name__ == "__main__":
    main()
