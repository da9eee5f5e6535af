"""ponte load vs the original Cloud Function (pandas) vs DuckDB and Polars alone.

One run, side by side, on the demo's invoices dataset
(objeto_dados_energia_gestao_faturas_v2) at each requested size:

- ponte:  `ponte load` of the folder into the embedded warehouse (every
          footer checked against the schema file, coerced, one zstd parquet
          snapshot, one manifest switch);
- pandas: what the reference deployment's function did: `read_parquet` of
          every file, `concat`, and the result written as one parquet table;
- duckdb: `CREATE OR REPLACE TABLE t AS SELECT * FROM read_parquet('dir/*.parquet')`
          in a DuckDB database file;
- duckdb COPY: `COPY (SELECT * FROM read_parquet('dir/*.parquet')) TO 'out.parquet'
          (FORMAT parquet, COMPRESSION zstd)`: the same output as ponte's, one
          zstd parquet file;
- polars: `pl.scan_parquet('dir/*.parquet').sink_parquet(out, compression="zstd")`,
          Polars' streaming engine, one zstd parquet file.

Every run is timed with /usr/bin/time (wall time, peak RSS); every tool's
row count is checked against pyarrow's count of the source. Outputs are
written under --dest (tmpfs by default) so the figures measure the tools,
not the disk's writeback. Results go to bench/results/load.md.

Run it through bench/run-load.sh, which builds ponte in release mode and
installs pandas, pyarrow, DuckDB and Polars first.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
DATASET = "objeto_dados_energia_gestao_faturas_v2"

PANDAS = """
import sys, glob, pandas as pd
src, out = sys.argv[1], sys.argv[2]
files = sorted(glob.glob(src + "/*.parquet"))
df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
df.to_parquet(out, index=False)
print(len(df))
"""

DUCKDB = """
import sys, duckdb
src, out = sys.argv[1], sys.argv[2]
con = duckdb.connect(out)
con.execute(f"CREATE OR REPLACE TABLE t AS SELECT * FROM read_parquet('{src}/*.parquet')")
print(con.execute("SELECT count(*) FROM t").fetchone()[0])
"""

DUCKDB_COPY = """
import sys, duckdb
import pyarrow.parquet as pq
src, out = sys.argv[1], sys.argv[2]
duckdb.connect().execute(
    f"COPY (SELECT * FROM read_parquet('{src}/*.parquet')) TO '{out}' (FORMAT parquet, COMPRESSION zstd)")
print(pq.ParquetFile(out).metadata.num_rows)
"""

POLARS = """
import sys, polars as pl
import pyarrow.parquet as pq
src, out = sys.argv[1], sys.argv[2]
pl.scan_parquet(src + "/*.parquet").sink_parquet(out, compression="zstd")
print(pq.ParquetFile(out).metadata.num_rows)
"""


def timed(cmd, env=None):
    """Runs cmd under /usr/bin/time; returns (seconds, peak RSS in MB, CPU seconds (user + system), stdout)."""
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M %U %S", *cmd], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stdout}\n{out.stderr}")
    seconds, kb, user, system = out.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kb) / 1024, float(user) + float(system), out.stdout


def ensure_data(ponte: str, data: Path, rows: int) -> Path:
    """Writes the demo data for `rows` invoices once; returns the invoices folder."""
    marker = data / ".complete"
    if not marker.exists():
        shutil.rmtree(data, ignore_errors=True)
        print(f"writing demo data for {rows:,} invoices into {data}", flush=True)
        subprocess.run([ponte, "demo-data", "--dir", str(data), "--rows", str(rows)], check=True,
                       stdout=subprocess.DEVNULL)
        marker.touch()
    return data / DATASET


def ponte_config(case: Path, data: Path, cluster_by: str | None = None) -> Path:
    (case / "schemas").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "examples/comerc/schemas/comerc.json", case / "schemas/comerc.json")
    cfg = case / "ponte.toml"
    cluster = f', cluster_by = ["{cluster_by}"]' if cluster_by else ""
    cfg.write_text(f"""[project]
state_dir = "state"
[stores.landing]
url = "file://{data}"
[[topics]]
name = "t"
[[schedules]]
name = "s"
cron = "0 8 * * 1-5"
topic = "t"
[[functions]]
name = "load"
trigger_topic = "t"
load = {{ store = "landing", prefix = "{DATASET}/", table = "{DATASET}", schema_file = "schemas/comerc.json"{cluster} }}
""")
    return cfg


def run_tool(a, tool, cmd, src, truth):
    """One timed run of `tool` on the folder `src`; returns (seconds, peak RSS MB, CPU seconds)."""
    case = Path(a.dest) if a.dest else Path(a.work) / "run"
    shutil.rmtree(case, ignore_errors=True)
    case.mkdir(parents=True)
    # The same warm page cache for every tool.
    subprocess.run(["sh", "-c", f"cat {src}/*.parquet > /dev/null"], check=True)
    if cmd is None or tool.startswith("ponte"):
        cfg = ponte_config(case, src.parent, cmd)
        seconds, rss, cpu, stdout = timed([a.ponte, "load", "load", "--json", "--config", str(cfg)])
        report = json.loads(stdout)
        loaded, updates = report["rows"], report["table_updates"]
        assert updates == 1, report
    else:
        out = case / ("t.duckdb" if tool.startswith("DuckDB CREATE") else "t.parquet")
        seconds, rss, cpu, stdout = timed(cmd + [str(src), str(out)])
        loaded = int(stdout.strip().splitlines()[-1])
    if loaded != truth:
        sys.exit(f"{tool}: loaded {loaded} rows, the files hold {truth}")
    shutil.rmtree(case, ignore_errors=True)
    return seconds, rss, cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ponte", required=True)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--rows", default="1000000,20000000", help="invoice counts, comma-separated")
    ap.add_argument("--work", default=str(ROOT / "bench/out/load"))
    ap.add_argument("--dest", default="/dev/shm/ponte-bench-load" if Path("/dev/shm").is_dir() else None)
    ap.add_argument("--out", default=str(ROOT / "bench/results/load.md"))
    ap.add_argument("--tools", default="",
                    help="run only these tools (comma-separated names as in the report; default: all)")
    ap.add_argument("--reps", type=int, default=1,
                    help="rounds of every tool, each round in a rotated order; the report shows medians")
    ap.add_argument("--warmup", type=int, default=0,
                    help="untimed rounds of every tool first: the first run after other work pays for memory "
                         "the machine took back (on this VM a clustered load's system time fell from 6.5 s to 3 s)")
    ap.add_argument("--skip-pandas-above", type=int, default=0,
                    help="skip pandas above this many invoices (0: never skip)")
    a = ap.parse_args()

    results = []
    for rows in [int(r) for r in a.rows.split(",")]:
        src = ensure_data(a.ponte, Path(a.work) / f"data-{rows}", rows)
        files = sorted(src.glob("*.parquet"))
        truth = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
        size = sum(f.stat().st_size for f in files)
        print(f"{rows:,} invoices: {truth:,} rows in {len(files)} files, {size / 1e6:.0f} MB of parquet", flush=True)
        tools = {
            "ponte load": None,
            # Sorted by the customer, as the demo loads it: what the sort costs.
            "ponte load (cluster_by id_cliente)": "id_cliente",
            "pandas read_parquet + concat": [a.python, "-c", PANDAS],
            "DuckDB CREATE TABLE AS read_parquet": [a.python, "-c", DUCKDB],
            "DuckDB COPY read_parquet TO parquet zstd": [a.python, "-c", DUCKDB_COPY],
            "Polars scan_parquet + sink_parquet zstd": [a.python, "-c", POLARS],
        }
        names = [t for t in tools
                 if not (a.tools and t not in a.tools.split(","))
                 and not (t.startswith("pandas") and a.skip_pandas_above and rows > a.skip_pandas_above)]
        runs = {t: [] for t in names}
        for _ in range(a.warmup):
            for tool in names:
                run_tool(a, tool, tools[tool], src, truth)
        # Rounds of every tool, each round starting one tool further along:
        # on a shared machine the noise of one hour is spread over all.
        for rep in range(a.reps):
            shift = rep % len(names)
            for tool in names[shift:] + names[:shift]:
                seconds, rss, cpu = run_tool(a, tool, tools[tool], src, truth)
                runs[tool].append((seconds, rss, cpu))
                print(f"  {tool:38} {seconds:7.2f} s {truth / seconds / 1e6:6.2f} M rows/s "
                      f"{size / 1e6 / seconds:6.1f} MB/s {rss:7.0f} MB peak RSS {cpu:6.1f} CPU s", flush=True)
        for tool in names:
            results.append(dict(invoices=rows, tool=tool, rows=truth, bytes=size, files=len(files),
                                seconds=statistics.median(r[0] for r in runs[tool]),
                                rss=statistics.median(r[1] for r in runs[tool]),
                                cpu=statistics.median(r[2] for r in runs[tool]),
                                runs=[r[0] for r in runs[tool]]))
    write_report(results, a)


def write_report(results, a):
    lines = [
        "# ponte load vs pandas vs DuckDB vs Polars",
        "",
        f"One run, {time.strftime('%Y-%m-%d')}, release build, {os.cpu_count()} cores"
        + (f", {a.reps} rounds of every tool in a rotated order (seconds and peak RSS are the medians; "
           "every round's seconds in the last column)" if a.reps > 1 else "")
        + (f", after {a.warmup} untimed round(s) of every tool" if a.warmup else "")
        + ". The demo's invoices dataset "
        f"({DATASET}), one parquet file per day; outputs written to {a.dest or 'the work folder'}. "
        "MB/s counts the source parquet bytes. \"vs ponte\" is the tool's time / ponte's time (above 1: ponte is "
        "faster) and the tool's peak RSS / ponte's. CPU s is user + system time (all cores): on a machine whose "
        "cores are all busy, the wall time is at least CPU s / cores.",
        "",
        "| invoices | rows | files | tool | seconds | M rows/s | MB/s | peak RSS MB | CPU s | vs ponte: time "
        "| vs ponte: RSS | vs ponte: CPU | rounds (s) | vs ponte, round by round |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        ponte = next((x for x in results if x["invoices"] == r["invoices"] and x["tool"] == "ponte load"), None)
        ratio_t = "" if ponte is None or r is ponte else f"{r['seconds'] / ponte['seconds']:.2f}x"
        ratio_m = "" if ponte is None or r is ponte else f"{r['rss'] / ponte['rss']:.2f}x"
        ratio_c = "" if ponte is None or r is ponte else f"{r['cpu'] / ponte['cpu']:.2f}x"
        # Each round's time against ponte's in the same round: the machine's
        # speed drifts over a run, less within a round.
        by_round = ""
        if ponte is not None and r is not ponte and len(r["runs"]) > 1:
            paired = [mine / theirs for mine, theirs in zip(r["runs"], ponte["runs"])]
            by_round = f"{', '.join(f'{x:.2f}' for x in paired)} (median {statistics.median(paired):.2f}x)"
        lines.append(
            f"| {r['invoices']:,} | {r['rows']:,} | {r['files']} | {r['tool']} | {r['seconds']:.2f} | "
            f"{r['rows'] / r['seconds'] / 1e6:.2f} | {r['bytes'] / 1e6 / r['seconds']:.1f} | {r['rss']:.0f} | "
            f"{r['cpu']:.1f} | {ratio_t} | {ratio_m} | {ratio_c} | {', '.join(f'{x:.2f}' for x in r['runs'])} "
            f"| {by_round} |")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
