"""The Looker API of `ponte serve` vs DuckDB and chDB running the same queries directly.

One run, side by side, over the demo's data loaded into the embedded
warehouse (run-query.sh builds it at --rows invoice rows):

- tiles:    the six tiles of the demo's main dashboard (`visao_geral`), each
            through `POST /api/4.0/queries/run/json` as a customer's API
            client, and the same six SQL statements (ponte's own, read from
            the `sql` format, with the same bound values) in DuckDB's Python
            client over views on the very parquet files of the warehouse's
            current snapshots, and in chDB (ClickHouse's in-process engine)
            in ClickHouse SQL over `file('<snapshot>/*.parquet', Parquet)`:
            the same statement with the bound values written in, each table
            read with `file`, and `date_trunc('month', …)` as
            `toStartOfMonth(…)`. chDB's rows are checked equal to DuckDB's
            (numbers to 9 significant digits) before anything is timed.
            Warm: each is run a few times first, then in turn (rotating
            which goes first); p50 and
            p99 of each, and their ratios. The API is asked with
            `cache=false`, so that it reads the tables each time as DuckDB
            and chDB do, and by two clients in turn: `requests` (what the
            official Looker SDK for Python sends with) and the standard
            library's `http.client`, which adds about a millisecond less
            per call; both on one kept-alive connection.
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
import http.client
import json
import re
import statistics
import subprocess
import time
import urllib.parse
from pathlib import Path

import chdb
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


class PlainClient:
    """POSTs to the API over the standard library's `http.client` on one
    kept-alive connection: the request and the response, and nothing a
    client library adds on top."""

    def __init__(self, base, token):
        url = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(url.hostname, url.port)
        self.headers = {"Authorization": f"token {token}", "Content-Type": "application/json"}

    def post(self, path, body):
        """(status, Server-Timing header, body bytes) of a POST of `body`, already JSON text."""
        self.conn.request("POST", path, body=body, headers=self.headers)
        response = self.conn.getresponse()
        return response.status, response.getheader("server-timing"), response.read()


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


def snapshots(warehouse):
    """{table: [absolute paths of its current snapshot's parquet files]}."""
    tables = {}
    for manifest in sorted(Path(warehouse).glob("*/_manifest.json")):
        m = json.loads(manifest.read_text())
        tables[m["table"]] = [str(manifest.parent / f) for f in m["files"]]
    return tables


def clickhouse_file(files):
    """ClickHouse's table function over exactly these parquet files."""
    folders = {str(Path(f).parent) for f in files}
    if len(folders) == 1:
        folder = folders.pop()
        if sorted(str(p) for p in Path(folder).glob("*.parquet")) == sorted(files):
            return f"file('{folder}/*.parquet', Parquet)"
    return "file('{" + ",".join(files) + "}', Parquet)"


def clickhouse_sql(text, tables):
    """ponte's statement (its `sql` format) in ClickHouse SQL over the snapshots' files."""
    statement, literals = [], {}
    for line in text.splitlines():
        m = PARAM.match(line)
        if m:
            literals[m.group(1)] = m.group(2)
        else:
            statement.append(line)
    sql = "\n".join(statement)
    sql = re.sub(r"\$(\d+)\b", lambda m: literals[m.group(1)], sql)
    sql = re.sub(r'\b(FROM|JOIN)\s+"([^"]+)"', lambda m: f"{m.group(1)} {clickhouse_file(tables[m.group(2)])}", sql)
    sql = re.sub(r"CAST\(date_trunc\('month', ([^()]+)\) AS DATE\)", r"toStartOfMonth(\1)", sql)
    return sql


def normalized(rows):
    """Rows as comparable tuples: numbers to 9 significant digits, dates as text."""
    def value(v):
        if v is None or isinstance(v, str):
            return v
        if isinstance(v, bool):
            return int(v)
        try:
            return float(f"{float(v):.9g}")
        except (TypeError, ValueError):
            return str(v)
    return sorted((tuple(value(v) for v in row) for row in rows), key=repr)


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
    tables = snapshots(args.warehouse)
    ch = chdb.connect(":memory:")
    lines = [
        f"# Query benchmark: the Looker API vs DuckDB and chDB direct ({args.rows:,} invoice rows)",
        "",
        f"Six tiles of `visao_geral` as customer 1, warm, {args.runs} runs each, in turn (rotating which goes first); "
        f"DuckDB {duckdb.__version__}, chDB {chdb.__version__}.",
        "Times in ms; ratio = ponte API / the peer (below 1: ponte is faster); \"the better\" is the faster "
        "of DuckDB and chDB on that tile.",
        "",
        "| tile | rows | API p50 | API p99 | DuckDB p50 | DuckDB p99 | chDB p50 | chDB p99 "
        "| p50 vs DuckDB | p99 vs DuckDB | p50 vs chDB | p99 vs chDB | p50 vs the better | p99 vs the better |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    ratios, plain_ratios = [], []
    plain = PlainClient(args.base, token)
    plain_lines = [
        "The same tiles in the same run through `http.client` (the standard library; no client library on "
        "top). \"The better\" is the better of DuckDB and chDB, p50 and p99 each.",
        "",
        "| tile | API p50 | API p99 | the better p50 | the better p99 | p50 vs the better | p99 vs the better |",
        "|---|---|---|---|---|---|---|",
    ]
    parts = args.parts.split(",")
    if "tiles" not in parts:
        lines = [lines[0], ""]
    for element in dashboard["dashboard_elements"] if "tiles" in parts else []:
        q = element["query"]
        body = {k: q[k] for k in ["model", "view", "fields", "filters", "sorts", "limit"] if q.get(k) is not None}
        text = api.post(f"{args.base}/api/4.0/queries/run/sql", json=body).text
        sql, params = split_sql(text)
        ch_sql = clickhouse_sql(text, tables)
        cur = ch.cursor()
        cur.execute(ch_sql)
        ch_rows, truth = cur.fetchall(), con.execute(sql, params).fetchall()
        if normalized(ch_rows) != normalized(truth):
            raise SystemExit(f"{element['title']}: chDB and DuckDB disagree\n{ch_sql}\n"
                             f"chDB:   {normalized(ch_rows)[:5]}\nDuckDB: {normalized(truth)[:5]}")
        ours, plain_ours, theirs, chs = [], [], [], []
        raw_body = json.dumps(body)
        expected = len(truth)

        # Each returns what it got and how to count its rows: the API's JSON
        # is parsed after the clock stops (the engines' rows are Python
        # values when their call returns).
        def via_requests():
            r = api.post(f"{args.base}/api/4.0/queries/run/json?cache=false", json=body)
            r.raise_for_status()
            assert "cache;desc=miss" in r.headers["server-timing"], r.headers["server-timing"]
            return lambda: len(r.json())

        def via_http_client():
            status, timing, data = plain.post("/api/4.0/queries/run/json?cache=false", raw_body)
            assert status == 200 and "cache;desc=miss" in timing, (status, timing)
            return lambda: len(json.loads(data))

        def in_duckdb():
            found = con.execute(sql, params).fetchall()
            return lambda: len(found)

        def in_chdb():
            cur = ch.cursor()
            cur.execute(ch_sql)
            found = cur.fetchall()
            return lambda: len(found)

        # Each run calls all four once, starting one further along each time,
        # so that none always follows the same one (a query right after the
        # same query, in any engine, finds its memory warm).
        contenders = [(via_requests, ours), (via_http_client, plain_ours), (in_duckdb, theirs), (in_chdb, chs)]
        for i in range(args.runs + 4):
            for k in range(len(contenders)):
                call, times = contenders[(i + k) % len(contenders)]
                t0 = time.perf_counter()
                count = call()
                elapsed = (time.perf_counter() - t0) * 1000
                assert count() == expected, (element["title"], call.__name__, count(), expected)
                if i >= 4:
                    times.append(elapsed)
        rows = expected
        p50 = (statistics.median(ours), statistics.median(theirs), statistics.median(chs))
        p99 = (percentile(ours, 99), percentile(theirs, 99), percentile(chs, 99))
        # The target is against the better of the two peers, tile by tile.
        ratios.append((p50[0] / p50[1], p99[0] / p99[1], p50[0] / p50[2], p99[0] / p99[2],
                       p50[0] / min(p50[1:]), p99[0] / min(p99[1:])))
        plain_p50, plain_p99 = statistics.median(plain_ours), percentile(plain_ours, 99)
        plain_ratios.append((plain_p50 / min(p50[1:]), plain_p99 / min(p99[1:])))
        plain_lines.append(
            f"| {element['title']} | {plain_p50:.1f} | {plain_p99:.1f} | {min(p50[1:]):.1f} | {min(p99[1:]):.1f} | "
            + " | ".join(f"{r:.2f}×" for r in plain_ratios[-1]) + " |"
        )
        lines.append(
            f"| {element['title']} | {rows} | {p50[0]:.1f} | {p99[0]:.1f} | {p50[1]:.1f} | {p99[1]:.1f} "
            f"| {p50[2]:.1f} | {p99[2]:.1f} | " + " | ".join(f"{r:.2f}×" for r in ratios[-1]) + " |"
        )
    geo = statistics.geometric_mean
    lines += [] if not ratios else [
        "| **geometric mean** | | | | | | | | "
        + " | ".join(f"**{geo([r[k] for r in ratios]):.2f}×**" for k in range(6)) + " |",
        "",
        *plain_lines,
        "| **geometric mean** | | | | | "
        + " | ".join(f"**{geo([r[k] for r in plain_ratios]):.2f}×**" for k in range(2)) + " |",
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
