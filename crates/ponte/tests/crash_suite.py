"""Crash consistency: kill -9 ponte at random points of a sync, a load and a
daemon run, and check that a normal run afterwards converges.

    python crash_suite.py --bin target/debug/ponte --dir /tmp/w --kills 20

For each phase the suite changes the inputs, starts ponte, kills it with
SIGKILL after a random delay drawn from the length of an uninterrupted run
of the same work, then runs ponte normally and checks the result against
oracles that do not share ponte's code:

* sync: every file of the source folder is in the landing folder with the
  same bytes (SHA-256), and the landing folder holds nothing else, not even
  a half-written temporary file;
* load: right after the kill every table answers a query and holds either
  its old rows or its new ones (row count and an integer column's sum, the
  new ones computed by DuckDB over the landing files), never a mix and never
  an error; after the normal run it holds the new ones;
* daemon: every message published survives the kills: each subscriber's
  delivery ends acked, with exactly one successful run in the run history
  (read straight from the SQLite state database).

Prints one line per kill and a summary with the figures the README quotes;
exits non-zero on the first broken promise, naming it.
"""

import argparse
import glob
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import duckdb
import pyarrow.parquet as pq

SOURCE = "data/s3"
LANDING = "data/gcs/804171967601-comerc-aws-destination-bucket"


class Broken(Exception):
    """A promise the suite checks did not hold."""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", required=True, help="the ponte binary")
    parser.add_argument("--dir", required=True, help="an empty work folder")
    parser.add_argument("--kills", type=int, default=20, help="kills per phase")
    parser.add_argument("--rows", type=int, default=20000, help="demo invoices")
    parser.add_argument("--seed", type=int, default=None, help="random seed [default: time]")
    parser.add_argument("--phases", default="sync,load,daemon")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else int(time.time())
    print(f"crash suite: seed {seed}, {args.kills} kills per phase, {args.rows} invoices", flush=True)
    suite = Suite(args.bin, args.dir, random.Random(seed))
    started = time.monotonic()
    try:
        suite.setup(args.rows)
        for phase in args.phases.split(","):
            getattr(suite, f"phase_{phase}")(args.kills)
    except Broken as e:
        print(f"BROKEN (seed {seed}): {e}", flush=True)
        sys.exit(1)
    print(f"summary: {json.dumps(suite.figures, sort_keys=True)}")
    print(f"all checks passed in {time.monotonic() - started:.0f} s")


class Suite:
    def __init__(self, binary, work, rng):
        self.bin = os.path.abspath(binary)
        self.work = os.path.abspath(work)
        self.rng = rng
        self.config = os.path.join(self.work, "ponte.toml")
        self.figures = {}
        self.aside = os.path.join(self.work, "aside")
        # The daemon's server reads the demo's API client and embed secret.
        self.env = dict(
            os.environ,
            PONTE_API_CLIENT_ID="crash-client",
            PONTE_API_CLIENT_SECRET="crash-secret",
            PONTE_EMBED_SECRET="crash-embed-secret",
        )
        self.env.pop("PONTE_CONFIG", None)

    # ---------------------------------------------------------------- running

    def ponte(self, *args, check=True):
        out = subprocess.run([self.bin, "--config", self.config, *args], capture_output=True, text=True, env=self.env)
        if check and out.returncode != 0:
            raise Broken(f"`ponte {' '.join(args)}` exited {out.returncode}:\n{out.stdout}{out.stderr}")
        return out

    def kill_during(self, args, delay):
        """Starts `ponte args`, kills it with SIGKILL after `delay` seconds.
        Returns True when the kill landed mid-run, False when ponte had
        already finished."""
        log = open(os.path.join(self.work, "killed.log"), "w")
        child = subprocess.Popen(
            [self.bin, "--config", self.config, *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=self.env,
        )
        try:
            child.wait(timeout=delay)
            return False
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            return True
        finally:
            log.close()

    def timed(self, *args):
        start = time.monotonic()
        self.ponte(*args)
        return time.monotonic() - start

    def setup(self, rows):
        out = subprocess.run(
            [self.bin, "demo", "--dir", self.work, "--rows", str(rows), "--no-serve"],
            capture_output=True,
            text=True,
            env=self.env,
        )
        if out.returncode != 0:
            raise Broken(f"ponte demo failed:\n{out.stdout}{out.stderr}")
        os.makedirs(self.aside, exist_ok=True)
        self.tables = {}
        for name in self.datasets():
            self.tables[name] = integer_column(self.landing_files(name))
        print(f"setup: demo with {len(self.tables)} tables", flush=True)

    def datasets(self):
        return sorted(os.listdir(os.path.join(self.work, SOURCE)))

    def landing_files(self, dataset):
        return sorted(glob.glob(os.path.join(self.work, LANDING, dataset, "*.parquet")))

    # ------------------------------------------------------------------- sync

    def phase_sync(self, kills):
        """Each round swaps the bytes of many source files (and adds and
        removes a few), so the sync has copies, updates and deletes to do."""
        self.mutate_source()
        length = self.timed("sync", "--all")
        self.check_mirror()
        landed = 0
        for i in range(kills):
            self.mutate_source()
            delay = self.rng.uniform(0.02, 1.0) * length
            mid_run = self.kill_during(["sync", "--all"], delay)
            landed += mid_run
            self.ponte("sync", "--all")
            files = self.check_mirror()
            print(f"sync kill {i + 1}/{kills} at {delay:.2f}s ({'mid-run' if mid_run else 'after the end'}): converged, {files} files equal", flush=True)
        self.figures["sync"] = {"kills": kills, "mid_run": landed, "run_seconds": round(length, 2)}

    def mutate_source(self):
        source = os.path.join(self.work, SOURCE)
        for dataset in self.rng.sample(self.datasets(), 3):
            files = sorted(glob.glob(os.path.join(source, dataset, "*.parquet")))
            # Rotate the contents of a third of the files: each keeps a valid
            # parquet file of its dataset, most change size.
            chosen = self.rng.sample(files, max(2, len(files) // 3))
            contents = [read(f) for f in chosen]
            for path, body in zip(chosen, contents[1:] + contents[:1]):
                write(path, body)
            # One new file, one gone (well under the jobs' max_delete).
            new = os.path.join(source, dataset, f"9999-{self.rng.randrange(10**6):06d}.parquet")
            write(new, read(self.rng.choice(files)))
            gone = self.rng.choice([f for f in files if f not in chosen])
            os.remove(gone)

    def check_mirror(self):
        source = tree(os.path.join(self.work, SOURCE))
        landing = tree(os.path.join(self.work, LANDING))
        if source != landing:
            missing = sorted(set(source) - set(landing))
            extra = sorted(set(landing) - set(source))
            differ = sorted(k for k in set(source) & set(landing) if source[k] != landing[k])
            raise Broken(f"the landing folder differs from the source: missing {missing[:5]}, extra {extra[:5]}, different bytes {differ[:5]}")
        return len(source)

    # ------------------------------------------------------------------- load

    def phase_load(self, kills):
        """Each round moves a file into or out of three tables' landing
        folders, so their new rows differ from the old."""
        length = self.timed("load", "--all")
        old = self.check_tables_new()
        landed = 0
        spilled = 0  # kills that left a clustered load's spill folder behind
        for i in range(kills):
            changed = self.mutate_landing()
            new = {t: self.expected(t) for t in self.tables}
            for t in changed:
                if new[t] == old[t]:
                    raise Broken(f"the round did not change {t}: {new[t]}")
            delay = self.rng.uniform(0.02, 1.0) * length
            mid_run = self.kill_during(["load", "--all"], delay)
            landed += mid_run
            states = {}
            for t in self.tables:
                got = self.digest(t)
                if got == old[t]:
                    states[t] = "old"
                elif got == new[t]:
                    states[t] = "new"
                else:
                    raise Broken(f"after the kill, table {t} holds {got}: neither the old {old[t]} nor the new {new[t]}")
            spilled += bool(self.spill_folders())
            self.ponte("load", "--all")
            old = self.check_tables_new()
            shown = ", ".join(f"{t[:12]}={states[t]}" for t in changed)
            print(f"load kill {i + 1}/{kills} at {delay:.2f}s ({'mid-run' if mid_run else 'after the end'}): {shown}; converged", flush=True)
        leftovers = self.warehouse_orphans()
        if leftovers:
            raise Broken(f"snapshots of killed loads are still in the warehouse after normal runs: {leftovers[:5]}")
        # Every clustered load spills (if at all) into a folder of its own
        # under .spill; a killed one's folder is swept by the next load.
        left = self.spill_folders()
        if left:
            raise Broken(f"spill folders of killed loads are still there after normal runs: {left[:5]}")
        self.figures["load"] = {"kills": kills, "mid_run": landed, "mid_sort": spilled, "run_seconds": round(length, 2)}

    def spill_folders(self):
        spill = os.path.join(self.work, ".ponte", "warehouse", ".spill")
        return sorted(os.listdir(spill)) if os.path.isdir(spill) else []

    def mutate_landing(self):
        changed = self.rng.sample(sorted(self.tables), 3)
        for t in changed:
            folder = os.path.join(self.work, LANDING, t)
            parked = os.path.join(self.aside, t)
            os.makedirs(parked, exist_ok=True)
            back = os.listdir(parked)
            if back and self.rng.random() < 0.5:
                name = self.rng.choice(back)
                os.rename(os.path.join(parked, name), os.path.join(folder, name))
            else:
                files = self.landing_files(t)
                if len(files) > 1:
                    os.rename(self.rng.choice(files), os.path.join(parked, f"{time.time_ns()}-{os.path.basename(files[0])}"))
                else:
                    name = back[0] if back else None
                    if name is None:
                        raise Broken(f"{t}: nothing to move")
                    os.rename(os.path.join(parked, name), os.path.join(folder, name))
        return changed

    def expected(self, table):
        """(rows, sum of an integer column) of the landing files, by DuckDB."""
        files = self.landing_files(table)
        column = self.tables[table]
        sums = f", sum(\"{column}\")" if column else ""
        row = duckdb.connect().execute(f"SELECT count(*){sums} FROM read_parquet({files!r}, union_by_name = true)").fetchone()
        return (int(row[0]), int(row[1] or 0) if column else None)

    def digest(self, table):
        column = self.tables[table]
        sums = f", sum(\"{column}\")" if column else ""
        out = self.ponte("sql", f"SELECT count(*){sums} FROM {table}", check=False)
        if out.returncode != 0:
            raise Broken(f"a query of {table} failed after a kill:\n{out.stdout}{out.stderr}")
        cells = [c.strip() for c in out.stdout.strip().splitlines()[-2].strip("|").split("|")]
        return (int(cells[0]), int(cells[1] or 0) if column else None)

    def check_tables_new(self):
        now = {}
        for t in self.tables:
            got, want = self.digest(t), self.expected(t)
            if got != want:
                raise Broken(f"after a normal load, table {t} holds {got}; DuckDB reads {want} in its landing files")
            now[t] = got
        return now

    def warehouse_orphans(self):
        """Snapshot folders no manifest names."""
        root = os.path.join(self.work, ".ponte", "warehouse")
        named = set()
        for manifest in glob.glob(os.path.join(root, "*", "_manifest.json")):
            text = read_text(manifest, tail=None)
            named.update(re.findall(r"snapshots/([^/\"]+)/", text))
            named.add(json.loads(text)["current"])
        orphans = []
        for snapshot in glob.glob(os.path.join(root, "*", "snapshots", "*")):
            if os.path.basename(snapshot) not in named:
                orphans.append(os.path.relpath(snapshot, root))
        return orphans

    # ----------------------------------------------------------------- daemon

    def phase_daemon(self, kills):
        """Each round publishes messages on three topics, starts the daemon,
        kills it, then lets a daemon drain the queue."""
        topics = [t for t in self.topics()]
        messages = self.publish(self.rng.sample(topics, 3))
        length = self.drain()
        self.check_deliveries(messages)
        landed = 0
        for i in range(kills):
            messages += self.publish(self.rng.sample(topics, 3))
            delay = self.rng.uniform(0.02, 1.0) * length
            self.kill_during(["run", "--bind", f"127.0.0.1:{free_port()}"], delay)
            # The daemon never ends by itself: the kill landed mid-run when
            # it left a delivery leased.
            mid_run = bool(self.leased())
            landed += mid_run
            self.drain()
            runs = self.check_deliveries(messages)
            print(f"daemon kill {i + 1}/{kills} at {delay:.2f}s ({'mid-delivery' if mid_run else 'between deliveries'}): {len(messages)} messages, each run once to success ({runs} interrupted runs so far)", flush=True)
        self.check_tables_new()
        self.figures["daemon"] = {"kills": kills, "mid_run": landed, "messages": len(messages), "run_seconds": round(length, 2)}

    def topics(self):
        with open(self.config, encoding="utf-8") as f:
            return re.findall(r'^trigger_topic = "([^"]+)"', f.read(), re.M)

    def publish(self, topics):
        ids = []
        for topic in topics:
            out = self.ponte("publish", topic, "--data", "crash suite")
            found = re.findall(r"\b(\d+)\b", out.stdout)
            if not found:
                raise Broken(f"`ponte publish` printed no message id: {out.stdout!r}")
            ids.append(found[-1])
        return ids

    def drain(self, timeout=180):
        """Runs the daemon until no delivery is pending, then stops it with
        SIGTERM. Returns how long the queue took to drain."""
        start = time.monotonic()
        log = open(os.path.join(self.work, "daemon.log"), "w")
        port = free_port()
        child = subprocess.Popen(
            [self.bin, "--config", self.config, "run", "--bind", f"127.0.0.1:{port}"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
        )
        try:
            # Started: it listens once its signal handlers are in place.
            while not listening(port):
                if child.poll() is not None or time.monotonic() - start > 60:
                    raise Broken(f"the daemon did not start: {read_text(log.name)}")
                time.sleep(0.05)
            while self.open_deliveries():
                if child.poll() is not None:
                    raise Broken(f"the daemon exited with {child.returncode}: {read_text(log.name)}")
                if time.monotonic() - start > timeout:
                    raise Broken(f"the queue did not drain in {timeout} s: {self.open_deliveries()}\n{read_text(log.name)}")
                time.sleep(0.1)
            took = time.monotonic() - start
            child.send_signal(signal.SIGTERM)
            if child.wait(timeout=60) != 0:
                raise Broken(f"the daemon exited with {child.returncode} on SIGTERM: {read_text(log.name)}")
            return took
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            log.close()

    def db(self):
        return sqlite3.connect(os.path.join(self.work, ".ponte", "ponte.db"), timeout=30)

    def leased(self):
        with self.db() as db:
            return db.execute("SELECT message_id FROM deliveries WHERE state = 'leased'").fetchall()

    def open_deliveries(self):
        with self.db() as db:
            return db.execute("SELECT message_id, subscriber, state FROM deliveries WHERE state NOT IN ('acked', 'dead')").fetchall()

    def check_deliveries(self, messages):
        with self.db() as db:
            for message in messages:
                rows = db.execute("SELECT subscriber, state, attempts FROM deliveries WHERE message_id = ?", (message,)).fetchall()
                if not rows:
                    raise Broken(f"message {message} has no delivery")
                for subscriber, state, attempts in rows:
                    if state != "acked":
                        raise Broken(f"message {message} → {subscriber} ended {state} after {attempts} attempts")
                    name = subscriber.split(":", 1)[-1]
                    succeeded = db.execute(
                        "SELECT count(*) FROM runs WHERE name = ? AND status = 'succeeded' AND message_id = ?",
                        (name, str(message)),
                    ).fetchone()[0]
                    if succeeded != 1:
                        raise Broken(f"message {message} → {subscriber} ran to success {succeeded} times")
            return db.execute("SELECT count(*) FROM runs WHERE status = 'interrupted'").fetchone()[0]


# ---------------------------------------------------------------------- files


def integer_column(files):
    """The first integer column of a dataset's files, or None."""
    if not files:
        return None
    for field in pq.read_schema(files[0]):
        if str(field.type) in ("int8", "int16", "int32", "int64"):
            return field.name
    return None


def tree(root):
    """{relative path: SHA-256} of every file below `root`."""
    out = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            out[os.path.relpath(path, root)] = hashlib.sha256(read(path)).hexdigest()
    return out


def read(path):
    with open(path, "rb") as f:
        return f.read()


def read_text(path, tail=4000):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    return text[-tail:] if tail else text


def write(path, body):
    with open(path, "wb") as f:
        f.write(body)


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    main()
