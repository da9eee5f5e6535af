"""Secrets never leave ponte: every command and the server run with known
secret values, at full log verbosity, on success and failure paths; none of
the values may appear in any output, log, error, response, run history or
file ponte wrote.

Run by secrets.rs, which sets up the demo deployment (its embed secret and
API clients), a real S3 server (moto) and the local BigQuery server, and
passes every secret in the environment. Usage:

    secrets_suite.py WORK_DIR   (env: PONTE_BIN, MOTO_ENDPOINT,
    BQ_ENDPOINT, PONTE_TEST_BQ_TOKEN, PONTE_SECRET_NAMES and the secrets)

PONTE_SECRET_NAMES lists the environment variables whose values are
secret. Besides each value as is, its URL-encoded and base64 forms are
looked for.
"""

import base64
import glob
import os
import re
import signal
import socket
import subprocess
import sys
import time
import traceback
import urllib.parse

import requests

WORK = os.path.abspath(sys.argv[1])
BIN = os.environ["PONTE_BIN"]
CONFIG = os.path.join(WORK, "ponte.toml")
SECRET_NAMES = os.environ["PONTE_SECRET_NAMES"].split(",")
SECRETS = {name: os.environ[name] for name in SECRET_NAMES}
# Where each piece of text came from, for the failure message.
SEEN = []
# Every env var a command gets: all the secrets, trace-level logs.
ENV = dict(os.environ, RUST_LOG="trace")
ENV.pop("PONTE_CONFIG", None)


def seen(where, text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    SEEN.append((where, text))


def ponte(*args, config=CONFIG, expect=0, env=None):
    """Runs a command at full verbosity; records its output."""
    out = subprocess.run([BIN, "-vv", "--config", config, *args], capture_output=True, text=True, env=env or ENV)
    label = f"`ponte {' '.join(args)}`"
    seen(f"{label} stdout", out.stdout)
    seen(f"{label} stderr", out.stderr)
    if expect is not None and (out.returncode == 0) != (expect == 0):
        raise AssertionError(f"{label} exited {out.returncode}, expected {'0' if expect == 0 else 'a failure'}:\n{out.stdout[-3000:]}{out.stderr[-3000:]}")
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port():
    return free_port()


# ── The deployment ───────────────────────────────────────────────────────


def add_secret_bearing_parts():
    """S3 stores with keys (moto, and one that cannot be reached), jobs on
    them, and the server's push and admin tokens."""
    text = open(CONFIG, encoding="utf-8").read()
    text = text.replace(
        "[server]\n",
        '[server]\npush_token_env = "PONTE_PUSH_TOKEN"\nadmin_token_env = "PONTE_ADMIN_TOKEN"\n',
        1,
    )
    moto = os.environ["MOTO_ENDPOINT"]
    text += f"""
[stores.lake]
url = "s3://lake"
endpoint = "{moto}"
allow_http = true
region = "us-east-1"
access_key_id_env = "AWS_ACCESS_KEY_ID"
secret_access_key_env = "AWS_SECRET_ACCESS_KEY"

[stores.unreachable]
url = "s3://nowhere"
endpoint = "http://127.0.0.1:{closed_port()}"
allow_http = true
region = "us-east-1"
access_key_id_env = "AWS_ACCESS_KEY_ID"
secret_access_key_env = "AWS_SECRET_ACCESS_KEY"
retry = {{ max_retries = 0, retry_timeout = "1s" }}

[[transfers]]
name = "to_lake"
source = {{ store = "s3", include_prefixes = ["objeto_unidades_atributos/"] }}
sink = {{ store = "lake" }}

[[transfers]]
name = "from_lake"
source = {{ store = "lake", include_prefixes = ["objeto_unidades_atributos/"] }}
sink = {{ store = "landing", path = "from_lake" }}

[[transfers]]
name = "from_nowhere"
source = {{ store = "unreachable" }}
sink = {{ store = "landing", path = "from_nowhere" }}
"""
    open(CONFIG, "w", encoding="utf-8").write(text)


def bigquery_config():
    """A second deployment loading into the local BigQuery server."""
    folder = os.path.join(WORK, "bq")
    os.makedirs(os.path.join(folder, "landing/sales"), exist_ok=True)
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": list(range(100)), "region": ["sul"] * 100}), os.path.join(folder, "landing/sales/0.parquet"))
    with open(os.path.join(folder, "schema.json"), "w", encoding="utf-8") as f:
        f.write('[{"name": "id", "type": "INTEGER", "mode": "REQUIRED"}, {"name": "region", "type": "STRING"}]')
    config = os.path.join(folder, "ponte.toml")
    with open(config, "w", encoding="utf-8") as f:
        f.write(f"""
[project]
name = "bq"
state_dir = ".ponte"

[stores.landing]
url = "file://./landing"

[warehouse]
kind = "bigquery"
project = "comerc-analytics"
dataset = "comerc"
access_token_env = "PONTE_TEST_BQ_TOKEN"
endpoint = "{os.environ['BQ_ENDPOINT']}"

[[topics]]
name = "loads"

[[schedules]]
name = "daily"
cron = "0 8 * * *"
time_zone = "UTC"
topic = "loads"

[[functions]]
name = "load_sales"
trigger_topic = "loads"
[functions.load]
store = "landing"
prefix = "sales/"
table = "sales"
schema_file = "schema.json"
""")
    return config


# ── Commands ─────────────────────────────────────────────────────────────


def every_command():
    ponte("validate")
    ponte("--log-format", "json", "validate")
    ponte("sync", "to_lake")
    ponte("sync", "from_lake", "--json")
    ponte("sync", "from_nowhere", expect=1)
    ponte("sync", "from_nowhere", "--json", expect=1)
    ponte("sync", "--all", "--dry-run", expect=1)
    ponte("load", "--all")
    ponte("sql", "SELECT count(*) FROM dados_infomerc")
    ponte("sql", "SELECT no_such_column FROM dados_infomerc", expect=1)
    ponte("query", "comerc/faturas", "--fields", "faturas.mes_referencia_month,faturas.custo_total", "--attr", "id_cliente=1")
    ponte("query", "comerc/faturas", "--fields", "faturas.custo_total", expect=1)
    ponte("embed-url", "/embed/dashboards/visao_geral", "--user", "maria@cliente-1", "--attr", "id_cliente=1")
    ponte("embed-url", "/not/an/embed/target", "--user", "x", expect=1)
    ponte("publish", "ps_dados_infomerc", "--data", "carregar")
    ponte("trigger", "cs_dados_infomerc")
    ponte("trigger", "from_nowhere", expect=1)
    ponte("schedules", "next", "cs_dados_infomerc", "--count", "2")
    ponte("runs")
    ponte("runs", "--json", "--limit", "100")

    bq = bigquery_config()
    ponte("load", "--all", config=bq)
    wrong = dict(ENV, PONTE_TEST_BQ_TOKEN=os.environ["BQ_WRONG_TOKEN"])
    ponte("load", "--all", config=bq, env=wrong, expect=1)
    ponte("runs", "--json", config=bq)

    # A missing secret is named by its variable, never guessed at.
    without = {k: v for k, v in ENV.items() if k != "AWS_SECRET_ACCESS_KEY"}
    ponte("sync", "to_lake", env=without, expect=1)


# ── The server ───────────────────────────────────────────────────────────


class Daemon:
    def __init__(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = os.path.join(WORK, "daemon.log")
        self.child = subprocess.Popen(
            [BIN, "-vv", "--config", CONFIG, "run", "--bind", f"127.0.0.1:{self.port}"],
            stdout=open(self.log, "w"),
            stderr=subprocess.STDOUT,
            env=ENV,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.child.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the daemon did not listen:\n{open(self.log).read()[-3000:]}")
                time.sleep(0.1)

    def stop(self):
        self.child.send_signal(signal.SIGTERM)
        self.child.wait(timeout=90)
        seen("daemon log", open(self.log, encoding="utf-8", errors="replace").read())


def record(label, response):
    seen(f"{label}: status and headers", f"{response.status_code} {dict(response.headers)}")
    seen(f"{label}: body", response.content)
    return response


def the_server(d):
    base = d.base
    a_id, a_secret = os.environ["A_ID"], os.environ["A_SECRET"]
    r = record("login", requests.post(f"{base}/api/4.0/login", data={"client_id": a_id, "client_secret": a_secret}))
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    api = {"Authorization": f"token {token}"}
    for path in ["/api/4.0/user", "/api/4.0/looks/1/run/json", "/api/4.0/dashboards/visao_geral", "/api/4.0/lookml_models"]:
        record(path, requests.get(base + path, headers=api))
    record("query", requests.post(f"{base}/api/4.0/queries/run/json", headers=api,
                                  json={"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"]}))
    record("bad query", requests.post(f"{base}/api/4.0/queries/run/json", headers=api,
                                      json={"model": "comerc", "view": "faturas", "fields": ["faturas.nope"]}))
    # A wrong secret, and the right secret under another client's id.
    record("wrong login", requests.post(f"{base}/api/4.0/login", data={"client_id": a_id, "client_secret": a_secret + "x"}))
    record("crossed login", requests.post(f"{base}/api/4.0/login", data={"client_id": os.environ["B_ID"], "client_secret": a_secret}))
    record("secret as token", requests.get(f"{base}/api/4.0/user", headers={"Authorization": f"token {a_secret}"}))

    # Signed embedding: a good URL, a tampered one, a replay.
    url = ponte("embed-url", "/embed/dashboards/visao_geral", "--user", "maria@cliente-1", "--attr", "id_cliente=1",
                "--host", base).stdout.strip()
    r = record("embed login", requests.get(url, allow_redirects=False))
    assert r.status_code == 303, r.text
    cookie = re.search(r"ponte_embed=([0-9a-f]+)", r.headers["set-cookie"]).group(1)
    record("embed page", requests.get(base + r.headers["location"], headers={"Cookie": f"ponte_embed={cookie}"}))
    record("embed replay", requests.get(url, allow_redirects=False))
    tampered = re.sub(r"signature=[^&]+", "signature=AAAA", url)
    record("embed tampered", requests.get(tampered, allow_redirects=False))

    # Pub/Sub push with a wrong token and the right one; the admin API.
    push = os.environ["PONTE_PUSH_TOKEN"]
    body = {"message": {"data": base64.b64encode(b"carregar").decode(), "messageId": "777", "attributes": {}},
            "subscription": "projects/p/subscriptions/ps_objeto_unidades_atributos-sub"}
    record("push wrong token", requests.post(f"{base}/pubsub/push?token={push}x", json=body))
    r = record("push", requests.post(f"{base}/pubsub/push?token={push}", json=body))
    admin = os.environ["PONTE_ADMIN_TOKEN"]
    record("admin wrong token", requests.get(f"{base}/api/runs", headers={"Authorization": f"Bearer {admin}x"}))
    r = record("admin runs", requests.get(f"{base}/api/runs", headers={"Authorization": f"Bearer {admin}"}))
    assert r.status_code == 200, r.text
    ponte("trigger", "cs_objeto_unidades_atributos", "--server", base, "--token-env", "PONTE_ADMIN_TOKEN")
    for path in ["/metrics", "/healthz", "/readyz", "/api/4.0/versions"]:
        record(path, requests.get(base + path))


# ── The check ────────────────────────────────────────────────────────────


def forms(value):
    """The value and the encodings it could leak in."""
    out = {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)}
    if len(value) >= 12:
        out.add(base64.b64encode(value.encode()).decode().rstrip("="))
    return out


def files_ponte_wrote():
    """Every file below the work folder but the inputs the test wrote."""
    for path in glob.glob(os.path.join(WORK, "**", "*"), recursive=True) + glob.glob(os.path.join(WORK, ".ponte", "**", "*"), recursive=True):
        if os.path.isfile(path) and not path.endswith(".parquet"):
            with open(path, "rb") as f:
                yield f"file {os.path.relpath(path, WORK)}", f.read()


def check():
    leaks = []
    texts = SEEN + [(where, body.decode("latin-1")) for where, body in files_ponte_wrote()]
    for name, value in SECRETS.items():
        for form in forms(value):
            for where, text in texts:
                if form in text:
                    at = text.index(form)
                    leaks.append(f"${name} in {where}: …{text[max(0, at - 120):at + len(form) + 40]!r}…")
    assert not leaks, "secrets leaked:\n" + "\n".join(leaks[:20])
    print(f"checked {len(SEEN)} outputs and responses and the files ponte wrote for {len(SECRETS)} secrets")


def main():
    add_secret_bearing_parts()
    failed = False
    try:
        every_command()
        d = Daemon()
        try:
            the_server(d)
        finally:
            d.stop()
        check()
    except Exception:
        traceback.print_exc()
        failed = True
    if failed:
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
