"""The Looker API of `ponte serve` vs DuckDB running the same SQL directly.

One run, side by side, over the demo's data loaded into the embedded
warehouse (run-query.sh builds it at --rows invoice rows):

- tiles:    the six tiles of the demo's main dashboard (`visao_geral`), each
            through `POST /api/4.0/queries/run/json` as a customer's API
            client, and the same six SQL statements (ponte's own, read from
            the `sql` format, with the same bound values) in DuckDB's Python
            client over views on the very parquet files of the warehouse's
            current snapshots. Warm: each is run a few times first, then
            alternately; p50 and p99 of each, and their ratio. The API is
            asked with `cache=false`, so that it reads the tables each time
            as DuckDB does.
- overhead: a 100-row result; the API's own time per request is the client's
            latency minus the warehouse's share, which the server reports
            in its Server-Timing header.
- load:     wrk with 64 connections against one tile for a fixed time,
            with `cache=false` and then with the result cache (the
            default): requests per second, p99 latency, and every non-2xx
            or socket error counted.

Results go to bench/results/query.md (and stdout).
"""

import argparse
import json
import re
import statistics
import subprocess
import time
from pathlib import Path

import duckdb
import requests

ROOT = Path(__file__).resolve().parent.parent


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def login(base, client_id, secret):
    r = requests.post(f"{base}/api/4.0/login", data={"client_id": client_id, "client_secret": secret})
    r.raise_for_status()
    return r.json()["access_token"]


PARAM = re.compile(r"^-- \$(\d+) = (.*)$")


def split_sql(text):
    """ponte's `sql` format: the statement, then `-- $n = value` lines."""
    statement, params = [], []
    for line in text.splitlines():
        m = PARAM.match(line)
        if not m:
            statement.append(line)
            continue
        value = m.group(2)
        if value.startswith("'"):
            params.append(value[1:-1].replace("''", "'"))
        elif value.startswith("DATE '"):
            params.append(value[6:-1])
        else:
            params.append(int(value) if re.fullmatch(r"-?\d+", value) else float(value))
    return "\n".join(statement), params


def duckdb_over_warehouse(warehouse):
    """A DuckDB connection with one view per table on its current snapshot's files."""
    con = duckdb.connect()
    for manifest in sorted(Path(warehouse).glob("*/_manifest.json")):
        m = json.loads(manifest.read_text())
        files = [str(manifest.parent / f) for f in m["files"]]
        con.execute(f'CREATE VIEW "{m["table"]}" AS SELECT * FROM read_parquet({files!r})')
    return con


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--client-secret", required=True)
    ap.add_argument("--rows", type=int, required=True, help="invoice rows loaded (for the report)")
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--wrk-seconds", type=int, default=30)
    ap.add_argument("--parts", default="tiles,overhead,load", help="which parts to run, comma-separated")
    ap.add_argument("--out", default=str(ROOT / "bench/results/query.md"))
    args = ap.parse_args()

    token = login(args.base, args.client_id, args.client_secret)
    api = requests.Session()
    api.headers["Authorization"] = f"token {token}"
    dashboard = api.get(f"{args.base}/api/4.0/dashboards/visao_geral").json()
    con = duckdb_over_warehouse(args.warehouse)
    lines = [
        f"# Query benchmark: the Looker API vs DuckDB direct ({args.rows:,} invoice rows)",
        "",
        f"Six tiles of `visao_geral` as customer 1, warm, {args.runs} runs each, alternating.",
        "Times in ms; ratio = ponte API / DuckDB direct (lower is better for ponte).",
        "",
        "| tile | rows | API p50 | API p99 | DuckDB p50 | DuckDB p99 | p50 ratio | p99 ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    ratios = []
    parts = args.parts.split(",")
    if "tiles" not in parts:
        lines = [lines[0], ""]
    for element in dashboard["dashboard_elements"] if "tiles" in parts else []:
        q = element["query"]
        body = {k: q[k] for k in ["model", "view", "fields", "filters", "sorts", "limit"] if q.get(k) is not None}
        sql, params = split_sql(api.post(f"{args.base}/api/4.0/queries/run/sql", json=body).text)
        ours, theirs = [], []
        for i in range(args.runs + 3):
            t0 = time.perf_counter()
            r = api.post(f"{args.base}/api/4.0/queries/run/json?cache=false", json=body)
            t1 = time.perf_counter()
            r.raise_for_status()
            assert "cache;desc=miss" in r.headers["server-timing"], r.headers["server-timing"]
            rows = len(r.json())
            t2 = time.perf_counter()
            truth = con.execute(sql, params).fetchall()
            t3 = time.perf_counter()
            assert len(truth) == rows, (element["title"], len(truth), rows)
            if i >= 3:
                ours.append((t1 - t0) * 1000)
                theirs.append((t3 - t2) * 1000)
        p50 = (statistics.median(ours), statistics.median(theirs))
        p99 = (percentile(ours, 99), percentile(theirs, 99))
        ratios.append((p50[0] / p50[1], p99[0] / p99[1]))
        lines.append(
            f"| {element['title']} | {rows} | {p50[0]:.1f} | {p99[0]:.1f} | {p50[1]:.1f} | {p99[1]:.1f} "
            f"| {ratios[-1][0]:.2f}× | {ratios[-1][1]:.2f}× |"
        )
    geo = statistics.geometric_mean
    lines += [] if not ratios else [
        f"| **geometric mean** | | | | | | **{geo([r[0] for r in ratios]):.2f}×** "
        f"| **{geo([r[1] for r in ratios]):.2f}×** |",
        "",
    ]

    # The API's own overhead on a 100-row result: a cheap query (the units
    # table), so that the latency is mostly the API's own work.
    body = {"model": "comerc", "view": "unidades", "fields": ["unidades.nome_unidade", "unidades.cidade"],
            "sorts": ["unidades.nome_unidade"], "limit": "100"}
    overhead, server_side, totals = [], [], []
    for i in range(args.runs * 5 + 10 if "overhead" in parts else 0):
        t0 = time.perf_counter()
        r = api.post(f"{args.base}/api/4.0/queries/run/json?cache=false", json=body)
        t1 = time.perf_counter()
        r.raise_for_status()
        assert len(r.json()) > 0
        timing = {k: float(v) for k, v in re.findall(r"(\w+);dur=([\d.]+)", r.headers["server-timing"])}
        if i >= 10:
            totals.append((t1 - t0) * 1000)
            overhead.append((t1 - t0) * 1000 - timing["warehouse"])
            server_side.append(timing["compile"] + timing["render"])
    if overhead:
        lines += [
            "## The API's own overhead (a 100-row result)",
            "",
            f"{len(overhead)} requests for 100 rows of the units table on one keep-alive connection. The server "
            "reports its compile, warehouse and render times in a Server-Timing header.",
            "",
            f"- latency p50 {statistics.median(totals):.2f} ms, of which the warehouse query is the rest;",
            f"- ponte's own work (compile the query + render JSON) p50 **{statistics.median(server_side):.3f} ms**, "
            f"p99 {percentile(server_side, 99):.3f} ms;",
            f"- everything but the warehouse, as the client sees it (HTTP, auth, compile, render, and Python's "
            f"`requests` itself) p50 {statistics.median(overhead):.3f} ms, p99 {percentile(overhead, 99):.3f} ms.",
            "",
        ]

    # Load: 64 clients on one tile.
    if "load" not in parts:
        return finish(lines, args.out)
    tile = dashboard["dashboard_elements"][3]
    q = tile["query"]
    body = json.dumps({k: q[k] for k in ["model", "view", "fields", "filters", "sorts", "limit"] if q.get(k) is not None})
    script = Path("/tmp/ponte-wrk.lua")
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body)}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "token {token}"\n'
    )
    for cache in ("false", "true"):
        out = subprocess.run(
            ["wrk", "-t", "2", "-c", "64", "-d", f"{args.wrk_seconds}s", "--timeout", "60s", "--latency", "-s",
             str(script), f"{args.base}/api/4.0/queries/run/json?cache={cache}"],
            capture_output=True, text=True, check=True,
        ).stdout
        rps = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
        p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        socket = re.search(r"Socket errors: (.*)", out)
        how = "every request reads the table (cache=false)" if cache == "false" else "the result cache on (the default)"
        lines += [
            f"## 64 concurrent clients (wrk, {args.wrk_seconds} s, tile \"{tile['title']}\"), {how}",
            "",
            f"- {rps} requests/s, p99 {p99}, non-2xx responses: {non2xx.group(1) if non2xx else 0}, "
            f"socket errors: {socket.group(1) if socket else 'none'}",
            "",
            "```",
            out.strip(),
            "```",
            "",
        ]
    finish(lines, args.out)


def finish(lines, out):
    text = "\n".join(lines)
    print(text)
    Path(out).write_text(text)


if __name__ == "__main__":
    main()
