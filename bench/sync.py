"""ponte sync vs rclone sync, side by side in one run.

Cases: (a) 20,000 small objects of 1-64 KB, (b) 8 objects of 256 MB,
(c) a re-sync with nothing changed; each folder -> folder and moto (a real
S3 server on loopback) -> folder. rclone runs with its defaults and tuned
(--transfers 32 --checkers 32). Every run is timed with /usr/bin/time for
wall time and peak RSS; results go to bench/results/sync.md as ratios.

Run it through bench/run-sync.sh, which builds ponte in release mode and
installs rclone and the Python environment first.
"""

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent


def sh(cmd, env=None, check=True):
    return subprocess.run(cmd, env=env, check=check, capture_output=True, text=True)


def cpu_seconds(pid):
    """CPU time (user + system) a running process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(cmd, env=None, server=None):
    """Runs cmd under /usr/bin/time; returns (seconds, peak RSS in MB, the
    tool's CPU seconds, the CPU seconds `server` (a pid) used meanwhile)."""
    before = cpu_seconds(server) if server else 0.0
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M %U %S", *cmd], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stdout}\n{out.stderr}")
    seconds, kb, user, system = out.stderr.strip().splitlines()[-1].split()
    server_cpu = cpu_seconds(server) - before if server else None
    return float(seconds), int(kb) / 1024, float(user) + float(system), server_cpu


def make_small(dir: Path, count: int):
    rng = random.Random(1)
    for i in range(count):
        p = dir / f"part={i % 100:03d}" / f"obj-{i:05d}.bin"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(rng.randbytes(rng.randint(1024, 64 * 1024)))


def make_large(dir: Path, count: int, size: int):
    rng = random.Random(2)
    dir.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        with open(dir / f"big-{i}.parquet", "wb") as f:
            left = size
            while left:
                n = min(left, 16 << 20)
                f.write(rng.randbytes(n))
                left -= n


def tree_size(dir: Path):
    files = [p for p in dir.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    sys.exit("moto did not start")


def upload(endpoint: str, bucket: str, src: Path):
    s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing",
                      aws_secret_access_key="testing", region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
    files = [p for p in src.rglob("*") if p.is_file()]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda p: s3.upload_file(str(p), bucket, str(p.relative_to(src))), files))


def ponte_config(work: Path, source: str, moto: str | None) -> Path:
    store = f'url = "{source}"\n'
    if moto:
        store += (f'endpoint = "{moto}"\nallow_http = true\nregion = "us-east-1"\n'
                  'access_key_id_env = "BENCH_KEY"\nsecret_access_key_env = "BENCH_SECRET"\n')
    cfg = work / "ponte.toml"
    cfg.write_text(f"""[project]
state_dir = "state"
[stores.src]
{store}
[stores.dst]
url = "file://./dst"
[[transfers]]
name = "bench"
source = {{ store = "src" }}
sink = {{ store = "dst" }}
delete_unique_in_sink = true
""")
    return cfg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ponte", required=True)
    ap.add_argument("--work", default=str(ROOT / "bench/out/sync"))
    ap.add_argument("--small", type=int, default=20_000)
    ap.add_argument("--large-count", type=int, default=8)
    ap.add_argument("--large-mb", type=int, default=256)
    ap.add_argument("--out", default=str(ROOT / "bench/results/sync.md"))
    ap.add_argument("--dest", default="/dev/shm/ponte-bench" if Path("/dev/shm").is_dir() else None,
                    help="where destinations are written (tmpfs by default: the tools, not the disk's writeback)")
    ap.add_argument("--reps", type=int, default=3, help="runs per folder case; the median is reported")
    ap.add_argument("--datasets", default="small,large", help="which cases to run: small, large or both")
    a = ap.parse_args()

    work = Path(a.work)
    data = work / "data"
    wanted = a.datasets.split(",")
    if "small" in wanted and (not (data / "small").exists() or tree_size(data / "small")[0] != a.small):
        shutil.rmtree(data / "small", ignore_errors=True)
        print(f"writing {a.small} small objects", flush=True)
        make_small(data / "small", a.small)
    if "large" in wanted and (
        not (data / "large").exists() or tree_size(data / "large") != (a.large_count, a.large_count * a.large_mb << 20)
    ):
        shutil.rmtree(data / "large", ignore_errors=True)
        print(f"writing {a.large_count} objects of {a.large_mb} MB", flush=True)
        make_large(data / "large", a.large_count, a.large_mb << 20)

    moto, endpoint = start_moto()
    try:
        print("uploading to moto", flush=True)
        for dataset in a.datasets.split(","):
            upload(endpoint, dataset, data / dataset)
        env = dict(os.environ, BENCH_KEY="testing", BENCH_SECRET="testing",
                   RCLONE_CONFIG_MOTO_TYPE="s3", RCLONE_CONFIG_MOTO_PROVIDER="Other",
                   RCLONE_CONFIG_MOTO_ENDPOINT=endpoint, RCLONE_CONFIG_MOTO_ACCESS_KEY_ID="testing",
                   RCLONE_CONFIG_MOTO_SECRET_ACCESS_KEY="testing", RCLONE_CONFIG_MOTO_REGION="us-east-1",
                   RCLONE_CONFIG_MOTO_FORCE_PATH_STYLE="true")
        env.pop("AWS_CA_BUNDLE", None)
        tools = {
            "ponte": None,
            "rclone (defaults)": ["rclone", "sync"],
            "rclone --transfers 32 --checkers 32": ["rclone", "sync", "--transfers", "32", "--checkers", "32"],
        }
        rows = []
        for dataset in a.datasets.split(","):
            objects, size = tree_size(data / dataset)
            for source_kind in ["folder", "moto"]:
                for tool, cmd in tools.items():
                    case = Path(a.dest) if a.dest else work / "run"
                    shutil.rmtree(case, ignore_errors=True)
                    case.mkdir(parents=True)
                    dst = case / "dst"
                    if source_kind == "folder":
                        src_url, rsrc = f"file://{data / dataset}", str(data / dataset)
                    else:
                        src_url, rsrc = f"s3://{dataset}", f"moto:{dataset}"
                    if cmd is None:
                        cfg = ponte_config(case, src_url, endpoint if source_kind == "moto" else None)
                        run = [a.ponte, "sync", "bench", "--config", str(cfg)]
                    else:
                        run = cmd + [rsrc, str(dst)]
                    # Warm the page cache the same way for every tool.
                    if source_kind == "folder":
                        sh(["sh", "-c", f"find {data / dataset} -type f -exec cat {{}} + > /dev/null"])
                    # Folder cases are cheap: take the median of several runs.
                    # moto cases are bound by moto itself: one run each.
                    reps = a.reps if source_kind == "folder" else 1
                    firsts, agains = [], []
                    for _ in range(reps):
                        shutil.rmtree(dst, ignore_errors=True)
                        shutil.rmtree(case / "state", ignore_errors=True)
                        firsts.append(timed(run, env, moto.pid if source_kind == "moto" else None))
                        got = tree_size(dst)
                        if got != (objects, size):
                            sys.exit(f"{tool} {dataset} {source_kind}: copied {got}, expected {(objects, size)}")
                        agains.append(timed(run, env))
                    first = sorted(firsts, key=lambda t: t[0])[len(firsts) // 2]
                    again = sorted(agains, key=lambda t: t[0])[len(agains) // 2]
                    rows.append(dict(dataset=dataset, source=source_kind, tool=tool, objects=objects, bytes=size,
                                     seconds=first[0], rss=first[1], cpu=first[2], server_cpu=first[3],
                                     resync=again[0], resync_rss=again[1]))
                    print(f"{dataset:5} {source_kind:6} {tool:38} copy {first[0]:7.2f} s {first[1]:6.0f} MB"
                          f"   re-sync {again[0]:6.2f} s {again[1]:6.0f} MB", flush=True)
    finally:
        moto.kill()
    write_report(rows, a)


def write_report(rows, a):
    lines = [
        "# ponte sync vs rclone sync",
        "",
        f"One run, {time.strftime('%Y-%m-%d')}, release build, {os.cpu_count()} cores; folder cases are the median of "
        f"{a.reps} runs. Destinations are written to {a.dest or 'the work folder'} so the figures measure the tools, "
        "not the virtual disk's writeback. "
        f"Small: {a.small} objects of 1-64 KB in 100 folders. Large: {a.large_count} objects of {a.large_mb} MB. "
        "Folder: a local folder; moto: a real S3 server on loopback. Destination: a local folder. "
        "Ratios are rclone's time / ponte's time (above 1: ponte is faster). CPU s: the tool's user + system "
        "time for the copy; moto CPU s: what the S3 server (one Python process) spent meanwhile, so a moto figure "
        "near the copy's wall time means the server, not the tool, set the pace.",
        "",
        "| data | source | tool | copy s | MB/s | objects/s | CPU s | moto CPU s | peak RSS MB | re-sync s "
        "| re-sync RSS MB | speed vs this tool |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        ponte = next(x for x in rows if x["dataset"] == r["dataset"] and x["source"] == r["source"] and x["tool"] == "ponte")
        # /usr/bin/time reports hundredths: a re-sync under 10 ms reads as 0.
        ratio = "" if r["tool"] == "ponte" else (
            f"copy {r['seconds'] / ponte['seconds']:.2f}x, re-sync {r['resync'] / max(ponte['resync'], 0.01):.2f}x")
        lines.append(
            f"| {r['dataset']} | {r['source']} | {r['tool']} | {r['seconds']:.2f} | {r['bytes'] / 1e6 / r['seconds']:.0f} | "
            f"{r['objects'] / r['seconds']:.0f} | {r['cpu']:.1f} | "
            f"{'' if r['server_cpu'] is None else format(r['server_cpu'], '.1f')} | {r['rss']:.0f} | {r['resync']:.2f} | {r['resync_rss']:.0f} | {ratio} |"
        )
    Path(a.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
