"""Signed embedding and the pages of `ponte serve`, checked from outside.

Run by embed_pages.rs against `ponte serve` over the demo's data. Embed
URLs are signed two ways: by `ponte embed-url` (the CLI a portal's
developers use) and by a small signer written here from Looker's
documentation of the scheme, so the server is checked against an
implementation that is not its own. Every number and row a page shows is
compared with DuckDB over the landing bucket's parquet files.

Usage: embed_pages_suite.py LANDING_DIR   (env: PONTE_BASE, PONTE_BIN,
PONTE_CONFIG, PONTE_EMBED_SECRET, A_ID, A_SECRET)
"""

import csv
import html
import io
import json
import os
import re
import secrets
import subprocess
import sys
import time
import traceback
import urllib.parse
from html.parser import HTMLParser

import duckdb
import requests
from looker_signing import sign_url

LANDING = sys.argv[1]
BASE = os.environ["PONTE_BASE"]
HOST = BASE.split("://", 1)[1]
SECRET = os.environ["PONTE_EMBED_SECRET"]
PORTAL = "http://localhost:8081"  # in the example config's embed_domains
ALL = ["access_data", "see_user_dashboards", "see_looks", "explore", "download_with_limit"]

con = duckdb.connect()


def table(name):
    return f"read_parquet('{LANDING}/{name}/*.parquet')"


FATURAS = table("objeto_dados_energia_gestao_faturas_v2")
UNIDADES = table("objeto_unidades_atributos")


def truth(sql, *params):
    """DuckDB's rows, with decimals as floats."""
    rows = con.execute(sql, list(params)).fetchall()
    return [tuple(float(v) if type(v).__name__ == "Decimal" else v for v in row) for row in rows]


# ── Signing ──────────────────────────────────────────────────────────────


def sign(target, user, attributes=None, permissions=ALL, models=("comerc",), session_length=600,
         when=None, nonce=None, secret=SECRET, drop=()):
    """A signed login URL, built as Looker's documentation describes."""
    return sign_url(BASE, secret, target, user, attributes, permissions, models, session_length, when, nonce, drop)


def cli_sign(target, user, attrs, permissions=ALL):
    args = [os.environ["PONTE_BIN"], "embed-url", target, "--user", user, "--host", BASE,
            "--permissions", ",".join(permissions), "--config", os.environ["PONTE_CONFIG"]]
    for k, v in attrs.items():
        args += ["--attr", f"{k}={v}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True)
    return out.stdout.strip()


class Viewer:
    """A browser-like client holding one embed session's cookie.

    The session cookie is `Secure`; Python's cookie jar would not send it
    over plain http, so the cookie is carried by hand, as a browser does
    for localhost."""

    def __init__(self, url):
        r = requests.get(url, allow_redirects=False)
        assert r.status_code == 303, (r.status_code, r.text[:300])
        cookie = r.headers["set-cookie"]
        self.cookie = re.search(r"ponte_embed=([0-9a-f]+)", cookie).group(1)
        self.landing = r.headers["location"]

    def get(self, path, **kw):
        return requests.get(BASE + path, headers={"Cookie": f"ponte_embed={self.cookie}"}, allow_redirects=False, **kw)


def login(customer, permissions=ALL, signer=sign, target="/embed/dashboards/visao_geral"):
    attrs = {"id_cliente": str(customer)} if customer is not None else None
    if signer is cli_sign:
        return Viewer(cli_sign(target, f"user-{customer}", attrs or {}, permissions))
    return Viewer(sign(target, f"user-{customer}-{secrets.token_hex(3)}", attrs, permissions))


# ── Reading pages ────────────────────────────────────────────────────────


class Page(HTMLParser):
    """Single values, table rows, download links and the embed events."""

    def __init__(self, html):
        super().__init__()
        self.values, self.tables, self.links, self.classes = [], [], [], []
        self._in, self._text, self._row, self.events_text, self.body = None, "", None, "", {}
        self.feed(html)
        self.events = json.loads(self.events_text or "[]")

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class", "") or ""
        self.classes.append(cls)
        if tag == "body":
            self.body = a
        if tag == "p" and cls == "sv-value":
            # A shortened figure (`R$ 1,2 mi`) keeps the whole one as its title.
            self._in, self._text, self._sv_title = "sv", "", a.get("title")
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._in, self._text = "cell", ""
        elif tag == "a" and "download" in a:
            self.links.append(a["href"])
        elif tag == "script" and a.get("id") == "ponte-events":
            self._in, self._text = "events", ""

    def handle_endtag(self, tag):
        if self._in == "sv" and tag == "p":
            self.values.append(self._sv_title or self._text.strip())
            self._in = None
        elif self._in == "cell" and tag in ("td", "th"):
            self._row.append(self._text.strip())
            self._in = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None
        elif self._in == "events" and tag == "script":
            self.events_text = self._text
            self._in = None

    def handle_data(self, data):
        if self._in:
            self._text += data


def pt_number(text):
    """`R$ 1.234,56` → 1234.56"""
    cleaned = re.sub(r"[^0-9,\-]", "", text)
    return float(cleaned.replace(",", "."))


def ok_page(viewer, path, **kw):
    r = viewer.get(path, **kw)
    assert r.status_code == 200, (path, r.status_code, r.text[:500])
    return Page(r.text), r


def refused(r, status, *words):
    assert r.status_code == status, (r.status_code, r.text[:400])
    for w in words:
        assert w in r.text, (w, r.text[:600])
    assert "set-cookie" not in r.headers, "a refusal must not start a session"


# ── Checks ───────────────────────────────────────────────────────────────


def customer_totals(c):
    return truth(
        f"SELECT SUM(valor_total), SUM(consumo_ponta_kwh + consumo_fora_ponta_kwh), COUNT(*) FROM {FATURAS} "
        "WHERE id_cliente = ?", c)[0]


def units_of(c):
    return {r[0] for r in truth(f"SELECT DISTINCT nome_unidade FROM {UNIDADES} WHERE id_cliente = ?", c)}


def dashboard_shows_each_customer_its_own_numbers():
    for customer, signer in [(1, cli_sign), (2, sign)]:
        v = login(customer, signer=signer)
        assert v.landing == "/embed/dashboards/visao_geral", v.landing
        page, r = ok_page(v, v.landing)
        cost, kwh, count = customer_totals(customer)
        assert len(page.values) == 3, page.values
        assert abs(pt_number(page.values[0]) - round(cost, 2)) < 0.006, (page.values[0], cost)
        assert pt_number(page.values[1]) == round(kwh), (page.values[1], kwh)
        assert pt_number(page.values[2]) == count, (page.values[2], count)
        assert page.values[0].startswith("R$"), page.values[0]
        units = [row[0] for row in page.tables[-1][1:]]
        assert units and set(units) <= units_of(customer), set(units) - units_of(customer)
        # The Unidade filter (a tag list) offers the customer's own units, and only them.
        unit_select = re.search(r'<select name="Unidade\[\]" multiple[^>]*>(.*?)</select>', r.text).group(1)
        offered = [html.unescape(v) for v in re.findall(r'<option value="([^"]*)">', unit_select)]
        own = sorted({row[0] for row in truth(
            f"""SELECT DISTINCT u.nome_unidade FROM {FATURAS} f JOIN {UNIDADES} u ON f.id_unidade = u.id_unidade
                WHERE f.id_cliente = ? AND u.nome_unidade IS NOT NULL""", customer)})
        assert offered == own[:100], (offered[:5], own[:5])
        # Two units picked: the tiles show both and nothing else; the list
        # keeps them picked; the events carry Looker's expression.
        picked = own[:2]
        query = urllib.parse.urlencode([("Unidade[]", u) for u in picked])
        both, br = ok_page(v, f"/embed/dashboards/visao_geral?{query}")
        (cost_two,), = truth(
            f"""SELECT sum(f.valor_total)::DOUBLE FROM {FATURAS} f JOIN {UNIDADES} u ON f.id_unidade = u.id_unidade
                WHERE f.id_cliente = ? AND u.nome_unidade IN (?, ?)""", customer, *picked)
        assert abs(pt_number(both.values[0]) - round(cost_two, 2)) < 0.006, (both.values[0], cost_two, picked)
        for unit in picked:
            assert f'<option value="{html.escape(unit)}" selected>' in br.text, unit
        sent = both.events[1]["dashboard"]["dashboard_filters"]["Unidade"]
        assert sent.split(",") == [u.replace(",", "^,") for u in picked] or "^" in sent, sent
        # The month filter offers Looker's relative periods, then the months, newest first.
        assert '<option value="last 12 months" label="Últimos 12 meses"></option>' in r.text
        months = re.findall(r'<option value="(\d{4}-\d{2})" label="([^"]+)"></option>', r.text)
        newest = truth(f"SELECT max(strftime(mes_referencia, '%Y-%m')) FROM {FATURAS} WHERE id_cliente = ?", customer)[0][0]
        assert months and months[0][0] == newest and months[0][1].endswith(newest[:4]), (months[:2], newest)
        # One row per distinct set of the tile's fields (two units may share a name).
        rows = truth(f"""SELECT count(*) FROM (SELECT DISTINCT nome_unidade, cidade, uf, distribuidora,
                         modalidade_tarifaria, demanda_contratada_kw FROM {UNIDADES} WHERE id_cliente = ?)""", customer)
        assert len(units) == rows[0][0], (len(units), rows[0][0])
        assert len(page.links) == 6, page.links  # download_with_limit: one link per tile
        # Filters from the query string, as Looker takes them.
        page, _ = ok_page(v, "/embed/dashboards/visao_geral?M%C3%AAs=2025")
        (cost_2025,), = truth(f"SELECT SUM(valor_total) FROM {FATURAS} WHERE id_cliente = ? "
                              "AND year(mes_referencia) = 2025", customer)
        assert abs(pt_number(page.values[0]) - round(cost_2025, 2)) < 0.006, (page.values[0], cost_2025)


def a_filter_cannot_reach_another_customers_rows():
    other = sorted(units_of(2) - units_of(1))[0]
    v = login(1)
    q = urllib.parse.urlencode({"Unidade": other})
    page, _ = ok_page(v, f"/embed/dashboards/visao_geral?{q}")
    assert page.values[2] == "0", page.values
    assert not any(other in cell for table in page.tables for row in table for cell in row)
    # The explore with a filter on another customer's unit shows nothing.
    q = urllib.parse.urlencode({"fields": "unidades.nome_unidade,faturas.custo_total", "f[unidades.nome_unidade]": other})
    page, _ = ok_page(v, f"/embed/explore/comerc/faturas?{q}")
    assert not page.tables or len(page.tables[-1]) <= 1, page.tables


def downloads_match_duckdb():
    v = login(2)
    page, _ = ok_page(v, "/embed/dashboards/visao_geral")
    by_month = [l for l in page.links if "/tiles/4/" in l][0]
    r = v.get(by_month)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), (r.status_code, r.text[:300])
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))[1:]
    expected = truth(
        f"SELECT strftime(mes_referencia, '%Y-%m'), SUM(valor_total) FROM {FATURAS} WHERE id_cliente = ? "
        "GROUP BY 1 ORDER BY 1", 2)
    got = sorted((m, float(x)) for m, x in rows)
    assert [m for m, _ in got] == [m for m, _ in expected], (got[:3], expected[:3])
    assert all(abs(a - b) < 0.01 for (_, a), (_, b) in zip(got, expected))


def explore_page_and_its_download():
    v = login(1)
    q = "fields=unidades.uf,faturas.custo_total&sorts=unidades.uf&limit=50&vis=looker_column"
    page, r = ok_page(v, f"/embed/explore/comerc/faturas?{q}")
    assert "<svg" in r.text, "the explore page draws its chart"
    shown = sorted(row[0] for row in page.tables[-1][1:])
    expected = truth(f"SELECT coalesce(u.uf, ''), SUM(f.valor_total) FROM {FATURAS} f LEFT JOIN {UNIDADES} u "
                     "ON f.id_unidade = u.id_unidade WHERE f.id_cliente = ? GROUP BY 1 ORDER BY 1", 1)
    assert [s for s in shown if s in {e[0] for e in expected}] == [e[0] for e in expected if e[0]], (shown, expected)
    r = v.get(page.links[0])
    assert r.status_code == 200, (r.status_code, r.text[:300])
    got = sorted((a, round(float(b), 2)) for a, b in list(csv.reader(io.StringIO(r.text)))[1:])
    assert got == sorted((a, round(b, 2)) for a, b in expected), (got, expected)
    # The same query through the form's field names.
    form = ("fields=unidades.uf&fields=faturas.custo_total&filter_field=&filter_value=&sort_field=unidades.uf"
            "&limit=50&vis=looker_column")
    page2, _ = ok_page(v, f"/embed/explore/comerc/faturas?{form}")
    assert page2.tables[-1] == page.tables[-1]
    # A Looker explore URL with a table calculation: its column on the page
    # and in the CSV, each state's share of the customer's cost (DuckDB).
    calc = json.dumps([{"table_calculation": "participacao", "label": "Participação",
                        "expression": "${faturas.custo_total} / sum(${faturas.custo_total})",
                        "value_format_name": "percent_1"}])
    q = urllib.parse.urlencode({"fields": "unidades.uf,faturas.custo_total,participacao", "sorts": "unidades.uf",
                                "limit": "50", "dynamic_fields": calc})
    page3, r3 = ok_page(v, f"/embed/explore/comerc/faturas?{q}")
    header = page3.tables[-1][0]
    assert header[-1] == "Participação", header
    total = sum(e[1] for e in expected)
    shares = {row[0]: row[-1] for row in page3.tables[-1][1:]}
    for uf, cost in expected:
        if uf:
            assert shares[uf] == f"{cost / total * 100:.1f}%".replace(".", ","), (uf, shares[uf], cost / total)
    assert 'name="dynamic_fields"' in r3.text, "the form keeps the calculation"
    got = list(csv.reader(io.StringIO(v.get(page3.links[0]).text)))
    assert got[0][-1] == "Participação" and abs(sum(float(row[-1]) for row in got[1:]) - 1) < 1e-9, got[:3]


def pivoted_explore_page_and_its_download():
    """A Looker explore URL with `pivots`: the page's table has a column
    per state and the CSV download heads its columns with the states,
    each cell the customer's cost by status and state (DuckDB)."""
    v = login(1)
    q = urllib.parse.urlencode({"fields": "faturas.status_pagamento,unidades.uf,faturas.custo_total",
                                "pivots": "unidades.uf", "sorts": "faturas.status_pagamento", "limit": "50"})
    page, r = ok_page(v, f"/embed/explore/comerc/faturas?{q}")
    cells = truth(f"SELECT f.status_pagamento, u.uf, SUM(f.valor_total) FROM {FATURAS} f JOIN {UNIDADES} u "
                  "ON f.id_unidade = u.id_unidade WHERE f.id_cliente = ? GROUP BY 1, 2", 1)
    states = sorted({uf for _, uf, _ in cells})
    statuses = sorted({s for s, _, _ in cells})
    assert len(states) > 1, states
    header = page.tables[-1][0]
    assert all(any(uf in h for h in header) for uf in states), (header, states)
    assert [row[0] for row in page.tables[-1][1:]] == statuses, page.tables[-1]
    assert 'name="pivots"' in r.text and 'value="unidades.uf" selected' in r.text, "the form keeps the pivot"
    lines = list(csv.reader(io.StringIO(v.get(page.links[0]).text)))
    assert lines[0][1:] == states, lines[0]
    assert [l[0] for l in lines[2:]] == statuses, lines
    truth_of = {(s, uf): c for s, uf, c in cells}
    for line in lines[2:]:
        for uf, value in zip(states, line[1:]):
            want = truth_of.get((line[0], uf))
            assert (want is None and value == "") or abs(float(value) - want) < 0.01, (line[0], uf, value, want)
    # A pivot that is not a dimension of the explore is a 400 naming it.
    bad = urllib.parse.urlencode({"fields": "faturas.custo_total", "pivots": "faturas.custo_total"})
    r = v.get(f"/embed/explore/comerc/faturas?{bad}")
    assert r.status_code == 400 and "faturas.custo_total" in r.text, (r.status_code, r.text[:300])


def look_page_and_download():
    for customer in (1, 2):
        v = login(customer)
        page, _ = ok_page(v, "/embed/looks/1")
        rows = page.tables[-1][1:]
        assert rows, "look 1 has rows"
        r = v.get(page.links[0])
        assert r.status_code == 200
        lines = list(csv.reader(io.StringIO(r.text)))
        assert len(lines) - 1 == len(rows), (len(lines), len(rows))


def api_client_pages_need_a_token_and_keep_its_filters():
    r = requests.post(f"{BASE}/api/4.0/login", data={"client_id": os.environ["A_ID"], "client_secret": os.environ["A_SECRET"]})
    token = r.json()["access_token"]
    r = requests.get(f"{BASE}/dashboards/visao_geral", headers={"Authorization": f"token {token}"})
    assert r.status_code == 200, r.text[:300]
    page = Page(r.text)
    cost, _, _ = customer_totals(1)
    assert abs(pt_number(page.values[0]) - round(cost, 2)) < 0.006
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    refused(requests.get(f"{BASE}/dashboards/visao_geral"), 401, "log in")
    r = requests.post(f"{BASE}/api/4.0/login", data={"client_id": os.environ["C_ID"], "client_secret": os.environ["C_SECRET"]})
    no_attribute = r.json()["access_token"]
    for path in ["/dashboards/visao_geral", "/looks/1", "/explore/comerc/faturas?fields=faturas.custo_total"]:
        r = requests.get(f"{BASE}{path}", headers={"Authorization": f"token {no_attribute}"})
        assert r.status_code == 403 and "id_cliente" in r.text, (path, r.status_code, r.text[:300])
    # An embed session does not open pages outside /embed, nor a token embed pages.
    v = login(1)
    refused(v.get("/dashboards/visao_geral"), 401)
    refused(requests.get(f"{BASE}/embed/dashboards/visao_geral", headers={"Authorization": f"token {token}"}), 401, "embed session")


def a_session_without_the_attribute_sees_nothing():
    v = login(None)
    for path in ["/embed/dashboards/visao_geral", "/embed/looks/1", "/embed/explore/comerc/faturas?fields=faturas.custo_total",
                 "/embed/looks/1/download/csv", "/embed/dashboards/visao_geral/tiles/1/download/csv",
                 "/embed/explore/comerc/faturas/download/csv?fields=faturas.custo_total"]:
        r = v.get(path)
        assert r.status_code == 403 and "id_cliente" in r.text, (path, r.status_code, r.text[:300])
        assert "R$" not in r.text


def permissions_are_honoured():
    v = login(1, permissions=["access_data"])
    refused(v.get("/embed/dashboards/visao_geral"), 403, "see_user_dashboards")
    refused(v.get("/embed/explore/comerc/faturas"), 403, "`explore` permission")
    v = login(1, permissions=["access_data", "see_user_dashboards", "see_looks", "explore"])
    page, _ = ok_page(v, "/embed/dashboards/visao_geral")
    assert page.links == [], "no download links without a download permission"
    refused(v.get("/embed/dashboards/visao_geral/tiles/1/download/csv"), 403, "download")
    refused(v.get("/embed/looks/1/download/csv"), 403, "download")
    v = login(1, permissions=["see_user_dashboards"])
    refused(v.get("/embed/dashboards/visao_geral"), 403, "access_data")
    # A session signed for other models only: an unknown model is refused at
    # login, so sign for none.
    v = Viewer(sign("/embed/looks/1", "no-models", {"id_cliente": "1"}, models=[]))
    refused(v.get("/embed/looks/1"), 403, "`comerc`")
    # download_with_limit keeps the query's limit; download_without_limit
    # takes every row; neither may be asked for on a page with limit=-1.
    q = "fields=unidades.nome_unidade&sorts=unidades.nome_unidade&limit=5"
    limited = login(1, permissions=ALL)
    r = limited.get(f"/embed/explore/comerc/faturas/download/csv?{q}")
    assert r.status_code == 200 and len(r.text.strip().splitlines()) == 1 + 5, r.text[:300]
    refused(limited.get(f"/embed/explore/comerc/faturas/download/csv?{q.replace('limit=5', 'limit=-1')}"), 400, "download_without_limit")
    refused(limited.get(f"/embed/explore/comerc/faturas?{q.replace('limit=5', 'limit=-1')}"), 400, "limit=-1")
    unlimited = login(1, permissions=["access_data", "explore", "download_without_limit"])
    r = unlimited.get(f"/embed/explore/comerc/faturas/download/csv?{q}")
    assert r.status_code == 200 and len(r.text.strip().splitlines()) == 1 + len(units_of(1)), (len(r.text.splitlines()), len(units_of(1)))


def every_rejection_rule_is_a_clear_refusal():
    target = "/embed/dashboards/visao_geral"
    good = sign(target, "rules-user", {"id_cliente": "1"})
    tampered = good.replace("%22rules-user%22", "%22rules-usex%22")
    refused(requests.get(tampered, allow_redirects=False), 401, "signature")
    refused(requests.get(sign(target, "u", {"id_cliente": "1"}, secret="wrong-secret"), allow_redirects=False), 401, "signature")
    refused(requests.get(sign(target, "u", {"id_cliente": "1"}, when=time.time() - 400), allow_redirects=False), 401, "time")
    refused(requests.get(sign(target, "u", {"id_cliente": "1"}, when=time.time() + 400), allow_redirects=False), 401, "time")
    refused(requests.get(sign(target, "u", {"id_cliente": "1"}, session_length=31 * 86400), allow_redirects=False), 400, "session_length")
    refused(requests.get(sign(target, "u", {"id_cliente": "1"}, models=["nope"]), allow_redirects=False), 403, "nope")
    refused(requests.get(sign(target, "u", {"id_cliente": "1"}, drop=["external_user_id"]), allow_redirects=False), 400, "external_user_id")
    # Replay: the same URL, and another URL with a used nonce.
    url = sign(target, "u", {"id_cliente": "1"}, nonce="nonce-once")
    assert requests.get(url, allow_redirects=False).status_code == 303
    refused(requests.get(url, allow_redirects=False), 401)
    refused(requests.get(sign(target, "u2", {"id_cliente": "1"}, nonce="nonce-once"), allow_redirects=False), 401, "nonce")
    # No session, or a garbage cookie: 401 page.
    refused(requests.get(f"{BASE}{target}"), 401, "embed session")
    refused(requests.get(f"{BASE}{target}", headers={"Cookie": "ponte_embed=deadbeef"}), 401)


def a_new_login_replaces_the_users_session():
    first = Viewer(sign("/embed/looks/1", "same-user", {"id_cliente": "1"}))
    second = Viewer(sign("/embed/looks/1", "same-user", {"id_cliente": "2"}))
    refused(first.get("/embed/looks/1"), 401)
    ok_page(second, "/embed/looks/1")


def frame_protection_and_events():
    v = Viewer(sign(f"/embed/dashboards/visao_geral?embed_domain={urllib.parse.quote(PORTAL, safe='')}", "ev", {"id_cliente": "1"}))
    page, r = ok_page(v, v.landing)
    csp = r.headers["content-security-policy"]
    assert f"frame-ancestors 'self' {PORTAL}" in csp, csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert r.headers["cache-control"] == "no-store"
    assert page.body.get("data-parent-origin") == PORTAL, page.body
    types = [e["type"] for e in page.events]
    tiles = ["dashboard:tile:start", "dashboard:tile:complete"] * 6
    assert types == ["page:changed", "dashboard:loaded", "dashboard:run:start", *tiles, "dashboard:run:complete"], types
    assert page.events[0]["page"]["type"] == "dashboards" and page.events[0]["page"]["lookerVersion"]
    assert page.events[-1]["status"] == "complete"
    assert len(page.events[-1]["tileStatuses"]) == 6 and len(page.events[-1]["dashboard"]["tileStatuses"]) == 6
    assert all(t["tileId"] and t["status"] == "complete" for t in page.events[-1]["tileStatuses"])
    # A domain the config does not list gets no events.
    page, _ = ok_page(v, "/embed/dashboards/visao_geral?embed_domain=https%3A%2F%2Fevil.example")
    assert page.body.get("data-parent-origin") == "", page.body
    script = requests.get(f"{BASE}/assets/ponte.js")
    assert script.status_code == 200 and "postMessage" in script.text and '"*"' not in script.text


def drills_list_the_rows_behind_a_mark_for_that_customer_only():
    for customer in (1, 2):
        v = login(customer)
        page, r = ok_page(v, "/embed/dashboards/visao_geral")
        # Every bar of "Custo por mês" (tile 4) is a drill link; take one.
        links = [html.unescape(h) for h in re.findall(r'<a class="drill" href="([^"]+)"', r.text)]
        bars = [h for h in links if "/tiles/4/drill?" in h]
        assert bars, links[:3]
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(bars[-1]).query)
        month = query["drill[faturas.mes_referencia_month]"][0]
        assert query["measure"] == ["faturas.custo_total"], query
        drilled, dr = ok_page(v, bars[-1])
        rows = drilled.tables[-1][1:]
        truth_rows = truth(
            f"""SELECT id_fatura, valor_total FROM {FATURAS}
                WHERE id_cliente = ? AND strftime(mes_referencia, '%Y-%m') = ? ORDER BY id_fatura""", customer, month)
        ids = {int(row[0]) for row in rows}
        own = {r[0] for r in truth_rows}
        assert ids <= own and len(ids) == min(len(own), 500), (customer, month, len(ids), len(own))
        if len(own) <= 500:
            total = sum(pt_number(row[-1]) for row in rows)
            assert abs(total - sum(r[1] for r in truth_rows)) < 0.01 * len(rows), (total, customer, month)
        # Its title names the measure and the month; its CSV has every row.
        assert "Custo total · " in dr.text, dr.text[:300]
        csv_link = [l for l in drilled.links if "/drill/download/csv" in l]
        assert csv_link, drilled.links
        got = v.get(html.unescape(csv_link[0]))
        assert got.status_code == 200, (got.status_code, got.text[:200])
        assert len(list(csv.reader(io.StringIO(got.text)))) - 1 == len(own), (customer, month)
    # Hostile drills: a field the tile lacks, a hidden one, a measure, markup
    # and another customer's id are refused or match nothing; never a leak.
    v = login(1)
    base = "/embed/dashboards/visao_geral/tiles/4/drill?measure=faturas.custo_total"
    for extra, status, word in [
        ("&drill[faturas.id_cliente]=2", 400, "faturas.id_cliente"),
        ("&drill[faturas.custo_total]=1", 400, "faturas.custo_total"),
        ("&drill[faturas.mes_referencia_month]=%3Cscript%3E", 400, "&lt;script&gt;"),
        ("&measure=faturas.quantidade_faturas", 400, "faturas.quantidade_faturas"),
        ("&drill[unidades.nome_unidade]=x", 400, "unidades.nome_unidade"),
    ]:
        r = v.get(base + extra)
        assert r.status_code == status, (extra, r.status_code, r.text[:300])
        assert word in r.text and "<script>" not in r.text, (extra, r.text[:400])
    r = v.get("/embed/dashboards/visao_geral/tiles/4/drill")
    assert r.status_code == 400 and "measure" in r.text, r.status_code
    r = v.get("/embed/dashboards/visao_geral/tiles/1/drill?measure=faturas.custo_total&f%5Bfaturas.id_cliente%5D=2")
    assert r.status_code == 400, (r.status_code, r.text[:200])


def cross_filters_narrow_the_other_tiles():
    for customer in (1, 2):
        v = login(customer)
        page, r = ok_page(v, "/embed/dashboards/analise_unidades")
        total, count = customer_totals(customer)[0], customer_totals(customer)[2]
        assert abs(pt_number(page.values[0]) - round(total, 2)) < 0.006, (page.values, total)
        # The text tile: its Markdown as formatting, its link kept.
        assert "<strong>unidade</strong>" in r.text and 'href="https://www.comerc.com.br"' in r.text
        # The status table's totals are the warehouse's over all rows: the
        # distinct units are not the sum of each status's.
        foot = re.search(r'<tr class="totals">(.*?)</tr>', r.text).group(1)
        cells = [html.unescape(c) for c in re.findall(r"<th[^>]*>([^<]*)</th>", foot)]
        (invoices, units_billed, cost_all), = truth(
            f"SELECT count(*), count(DISTINCT id_unidade), sum(valor_total)::DOUBLE FROM {FATURAS} WHERE id_cliente = ?",
            customer)
        assert cells[0] == "Total" and pt_number(cells[1]) == invoices and pt_number(cells[2]) == units_billed, cells
        assert abs(pt_number(cells[3]) - round(cost_all, 2)) < 0.006, (cells, cost_all)
        # The tile's table calculation: each status's share of the cost.
        status_table = page.tables[-1] if page.tables[-1][0][0].startswith("Status") else next(
            t for t in page.tables if t and t[0] and t[0][0].startswith("Status"))
        assert status_table[0][-1] == "Participação no custo", status_table[0]
        by_status = dict(truth(f"SELECT status_pagamento, sum(valor_total)::DOUBLE FROM {FATURAS} WHERE id_cliente = ? "
                               "GROUP BY 1", customer))
        for row in status_table[1:]:
            if row[0] in by_status:
                share = f"{by_status[row[0]] / cost_all * 100:.1f}%".replace(".", ",")
                assert row[-1] == share, (row, share)
        links = [html.unescape(h) for h in re.findall(r'<a class="crossfilter" href="([^"]+)"', r.text)]
        units = [h for h in links if "crossfilter_tile=3" in h]
        assert units, links[:3]
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(units[0]).query)
        unit = query["crossfilter[unidades.nome_unidade]"][0]
        filtered, fr = ok_page(v, units[0])
        (cost, n), = truth(
            f"""SELECT sum(f.valor_total)::DOUBLE, count(*) FROM {FATURAS} f JOIN {UNIDADES} u
                ON f.id_unidade = u.id_unidade WHERE f.id_cliente = ? AND u.nome_unidade = ?""", customer, unit)
        assert abs(pt_number(filtered.values[0]) - round(cost, 2)) < 0.006, (filtered.values, cost, unit)
        # "Custo do último mês": the unit's newest month, compared with the month before.
        months = truth(
            f"""SELECT f.mes_referencia, sum(f.valor_total)::DOUBLE FROM {FATURAS} f JOIN {UNIDADES} u
                ON f.id_unidade = u.id_unidade WHERE f.id_cliente = ? AND u.nome_unidade = ?
                GROUP BY 1 ORDER BY 1 DESC LIMIT 2""", customer, unit)
        assert abs(pt_number(filtered.values[1]) - round(months[0][1], 2)) < 0.006, (filtered.values, months)
        if len(months) == 2:
            change = (months[0][1] - months[1][1]) / abs(months[1][1]) * 100
            shown = re.search(r'class="sv-comparison [^"]+"><span aria-hidden="true">.</span> ([^<]+)</p>', fr.text)
            assert shown and shown.group(1).endswith("vs mês anterior"), fr.text[:2000]
            assert abs(float(shown.group(1).split("%")[0].replace(",", ".")) - change) < 0.051, (shown.group(1), change)
        # The tile clicked keeps every unit; the months tile is the unit's.
        again = [h for h in re.findall(r'<a class="crossfilter" href="([^"]+)"', fr.text) if "crossfilter_tile=3" in h]
        assert len(again) == len(units), (len(again), len(units))
        # The chip names the filter; the events carry it; its ✕ clears it.
        assert "Filtro cruzado" in fr.text and html.escape(unit, quote=False) in fr.text
        loaded = next(e for e in filtered.events if e["type"] == "dashboard:loaded")["dashboard"]
        assert loaded["crossfilters"] == [{"field": "unidades.nome_unidade", "value": unit}], loaded
        clear = html.unescape(re.search(r'<a class="chip-clear" href="([^"]+)"', fr.text).group(1))
        cleared, _ = ok_page(v, clear)
        assert abs(pt_number(cleared.values[0]) - round(total, 2)) < 0.006, (cleared.values, total)
        assert count >= n
    # A cross-filter naming another customer or a hidden field widens
    # nothing: the access filter still holds, the tiles are empty.
    v = login(1)
    page, r = ok_page(v, "/embed/dashboards/analise_unidades?crossfilter%5Bfaturas.id_cliente%5D=2&crossfilter_tile=3")
    other = customer_totals(2)[0]
    assert not any(abs(pt_number(x) - round(other, 2)) < 0.006 for x in page.values if re.search(r"\d", x)), page.values
    refused(v.get("/embed/dashboards/analise_unidades?crossfilter_tile=abc"), 400, "crossfilter_tile")


def a_drill_menu_breaks_a_mark_down_by_its_drill_fields():
    for customer in (1, 2):
        v = login(customer)
        page, r = ok_page(v, "/embed/dashboards/visao_geral")
        # The tile's cell lists its measures' drill menus for ponte.js.
        menu = re.search(r'<div class="cell" data-tile="4" data-drill-by="([^"]+)"', r.text)
        assert menu, r.text[:3000]
        entries = json.loads(html.unescape(menu.group(1)))["faturas.custo_total"]
        assert entries[0] == ["", "Ver linhas"], entries
        assert ["unidades.nome_unidade", "Por Unidade"] in entries, entries
        assert all(field != "faturas.id_fatura" for field, _ in entries), "a primary key groups nothing"
        bar = [html.unescape(h) for h in re.findall(r'<a class="drill" href="([^"]+)"', r.text) if "/tiles/4/" in h][-1]
        month = urllib.parse.parse_qs(urllib.parse.urlsplit(bar).query)["drill[faturas.mes_referencia_month]"][0]
        by, br = ok_page(v, bar + "&by=unidades.nome_unidade")
        rows = by.tables[-1][1:]
        truth_rows = truth(
            f"""SELECT u.nome_unidade, sum(f.valor_total)::DOUBLE FROM {FATURAS} f JOIN {UNIDADES} u
                ON f.id_unidade = u.id_unidade WHERE f.id_cliente = ? AND strftime(f.mes_referencia, '%Y-%m') = ?
                GROUP BY 1 ORDER BY 2 DESC""", customer, month)
        assert [row[0] for row in rows] == [t[0] for t in truth_rows][:500], (rows[:3], truth_rows[:3])
        assert all(abs(pt_number(row[1]) - round(t[1], 2)) < 0.006 for row, t in zip(rows, truth_rows))
        # The page's own menu: the rows, and this breakdown marked current.
        nav = re.search(r'<nav class="drill-menu"[^>]*>(.*?)</nav>', br.text).group(1)
        assert 'aria-current="page">Por Unidade</a>' in nav and ">Ver linhas</a>" in nav, nav
        assert "Por Mês de referência" not in nav, "the clicked month is one group: no entry"
        assert "<svg class=\"chart\"" in br.text, "the breakdown is drawn as bars too"
        # Its CSV is the breakdown.
        csv_link = html.unescape(next(l for l in by.links if "/drill/download/csv" in l))
        got = list(csv.reader(io.StringIO(v.get(csv_link).text)))
        assert len(got) - 1 == len(truth_rows), (len(got), len(truth_rows))
        refused(v.get(bar + "&by=faturas.id_fatura"), 400, "faturas.id_fatura")
        refused(v.get(bar + "&by=faturas.id_cliente"), 400, "faturas.id_cliente")


def a_dimension_value_drills_by_its_drill_fields():
    """A status cell of a table opens the tile's measures by the status's drill
    fields, within that status, for that customer only."""
    for customer in (1, 2):
        v = login(customer)
        page, r = ok_page(v, "/embed/dashboards/analise_unidades")
        menu = re.search(r'<div class="cell" data-tile="5" data-drill-by="([^"]+)"', r.text)
        entries = json.loads(html.unescape(menu.group(1)))["faturas.status_pagamento"]
        assert [e[1] for e in entries] == ["Por Unidade", "Por Distribuidora", "Por Mês de referência (mês)"], entries
        status_links = [html.unescape(h) for h in re.findall(r'<a class="drill" href="([^"]+)"', r.text)
                        if "dimension=faturas.status_pagamento" in html.unescape(h)]
        assert status_links, "the status cells of the table are drill links"
        link = status_links[0]
        status = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["drill[faturas.status_pagamento]"][0]
        assert "by=unidades.nome_unidade" in link, link
        by, br = ok_page(v, link.replace("by=unidades.nome_unidade", "by=unidades.distribuidora"))
        rows = by.tables[-1][1:]
        truth_rows = truth(
            f"""SELECT u.distribuidora, count(*), count(DISTINCT f.id_unidade), sum(f.valor_total)::DOUBLE
                FROM {FATURAS} f JOIN {UNIDADES} u ON f.id_unidade = u.id_unidade
                WHERE f.id_cliente = ? AND f.status_pagamento = ? GROUP BY 1 ORDER BY 2 DESC, 1""", customer, status)
        assert sorted(row[0] for row in rows) == sorted(t[0] for t in truth_rows), (rows[:3], truth_rows[:3])
        got = {row[0]: (pt_number(row[1]), pt_number(row[2]), pt_number(row[3])) for row in rows}
        for name, n, units, cost in truth_rows:
            assert got[name][:2] == (n, units) and abs(got[name][2] - round(cost, 2)) < 0.006, (name, got[name], n, cost)
        nav = re.search(r'<nav class="drill-menu"[^>]*>(.*?)</nav>', br.text).group(1)
        assert 'aria-current="page">Por Distribuidora</a>' in nav and "Ver linhas" not in nav, nav
        assert f"{html.escape(status)} · Por Distribuidora" in br.text, br.text[:800]
    v = login(1)
    base = "/embed/dashboards/analise_unidades/tiles/5/drill?dimension=faturas.status_pagamento&drill%5Bfaturas.status_pagamento%5D=paga"
    refused(v.get(base), 400, "by=view.field")
    refused(v.get(base + "&by=faturas.id_fatura"), 400, "faturas.id_fatura")
    refused(v.get(base + "&by=unidades.nome_unidade&drill%5Bfaturas.id_cliente%5D=2"), 400, "one clicked value")


def a_filter_searches_the_viewers_values_as_the_user_types():
    units = {c: sorted(units_of(c)) for c in (1, 2)}
    for customer in (1, 2):
        v = login(customer)
        page, r = ok_page(v, "/embed/dashboards/analise_unidades")
        assert re.search(r'<input type="text" name="Unidade"[^>]* list="filter-values-1" autocomplete="off" data-suggest="2">', r.text), \
            re.findall(r"<input[^>]*>", r.text)[:4]
        # A term from this customer's units: the units containing it, and only its own.
        term = units[customer][0].split(" ")[-1]
        found = v.get(f"/embed/dashboards/analise_unidades/filters/2/suggestions?term={urllib.parse.quote(term)}")
        assert found.status_code == 200 and found.headers["cache-control"] == "no-store", found.status_code
        values = found.json()["values"]
        billed = {row[0] for row in truth(
            f"""SELECT DISTINCT u.nome_unidade FROM {FATURAS} f JOIN {UNIDADES} u ON f.id_unidade = u.id_unidade
                WHERE f.id_cliente = ?""", customer)}
        expected = sorted(u for u in billed if term.lower() in u.lower())[:100]
        assert values == expected, (term, values[:3], expected[:3])
        # Another customer's unit name finds nothing: the access filter holds.
        other = units[3 - customer][0]
        assert other not in units[customer]
        none = v.get("/embed/dashboards/analise_unidades/filters/2/suggestions?" + urllib.parse.urlencode({"term": other}))
        assert none.status_code == 200 and none.json()["values"] == [], none.text[:300]
    v = login(1)
    refused(v.get("/embed/dashboards/analise_unidades/filters/1/suggestions?term=2025"), 400, "not a text filter")
    refused(v.get("/embed/dashboards/analise_unidades/filters/9/suggestions"), 404, "no filter")
    refused(v.get("/embed/dashboards/analise_unidades/filters/2/suggestions?term=" + "x" * 201), 400, "200")


def controls_pivots_and_the_new_tiles_show_each_customer_its_rows():
    for customer in (1, 2):
        v = login(customer)
        page, r = ok_page(v, "/embed/dashboards/faturas_detalhe")
        # Controls by type: checkboxes of the customer's statuses, a
        # dropdown of its own distributors only, day and number ranges.
        statuses = sorted(row[0] for row in truth(
            f"SELECT DISTINCT status_pagamento FROM {FATURAS} WHERE id_cliente = ?", customer))
        boxes = re.findall(r'<input type="checkbox" name="Status\[\]" value="([^"]+)"', r.text)
        assert sorted(boxes) == statuses, (boxes, statuses)
        dropdown = re.search(r'<select name="Distribuidora">(.*?)</select>', r.text).group(1)
        offered = [html.unescape(x) for x in re.findall(r'<option value="[^"]*"[^>]*>([^<]*)</option>', dropdown)][1:]
        own = sorted(row[0] for row in truth(
            f"""SELECT DISTINCT u.distribuidora FROM {FATURAS} f JOIN {UNIDADES} u ON f.id_unidade = u.id_unidade
                WHERE f.id_cliente = ? AND u.distribuidora IS NOT NULL""", customer))
        assert offered == own, (offered, own)
        assert 'type="date" name="Vencimento[from]"' in r.text and 'type="number" step="any" name="Valor[to]"' in r.text
        # Every control at once; the table's totals are DuckDB's count.
        status = statuses[0]
        chosen = [("Status[]", status), ("Vencimento[from]", "2025-03-01"), ("Vencimento[to]", "2025-08-31"),
                  ("Valor[from]", "100"), ("Valor[to]", "50000"), ("Distribuidora", own[0])]
        filtered, fr = ok_page(v, "/embed/dashboards/faturas_detalhe?" + urllib.parse.urlencode(chosen))
        (n, unpaid), = truth(
            f"""SELECT count(*), count(*) FILTER (WHERE f.status_pagamento IN ('em_aberto', 'vencida'))
                FROM {FATURAS} f JOIN {UNIDADES} u ON f.id_unidade = u.id_unidade
                WHERE f.id_cliente = ? AND f.status_pagamento = ? AND f.data_vencimento BETWEEN '2025-03-01' AND '2025-08-31'
                AND f.valor_total BETWEEN 100 AND 50000 AND u.distribuidora = ?""", customer, status, own[0])
        foot = re.search(r'<tr class="totals">(.*?)</tr>', fr.text)
        if n:
            cells = [html.unescape(c) for c in re.findall(r"<th[^>]*>([^<]*)</th>", foot.group(1))]
            assert pt_number(cells[1]) == n and pt_number(cells[2]) == unpaid, (cells, n, unpaid)
        sent = filtered.events[1]["dashboard"]["dashboard_filters"]
        assert sent["Vencimento"] == "2025-03-01 to 2025-09-01" and sent["Valor"] == "[100, 50000]", sent
        # The controls show what was chosen.
        assert re.search(rf'name="Status\[\]" value="{re.escape(status)}" checked', fr.text), "checked"
        assert 'name="Vencimento[to]" value="2025-08-31"' in fr.text and 'name="Valor[from]" value="100"' in fr.text
        # Conditional formatting: a unit with unpaid invoices is marked, others not.
        whole, wr = ok_page(v, "/embed/dashboards/faturas_detalhe")
        table_rows = re.findall(r"<tr>(.*?)</tr>", wr.text.split('data-tile="5"')[1].split("</table>")[0], re.S)
        marked = [row for row in table_rows if "background-color:#fde2e1" in row]
        unpaid_units = truth(
            f"""SELECT count(*) FROM (SELECT u.nome_unidade FROM {FATURAS} f JOIN {UNIDADES} u ON f.id_unidade = u.id_unidade
                WHERE f.id_cliente = ? GROUP BY 1 HAVING count(*) FILTER (WHERE f.status_pagamento IN ('em_aberto', 'vencida')) > 0)""",
            customer)[0][0]
        assert len(marked) == min(unpaid_units, 50), (len(marked), unpaid_units)
        # Pivoted, stacked columns: one series per status in the legend.
        tile1 = wr.text.split('data-tile="1"')[1].split('data-tile="2"')[0]
        for s in statuses:
            assert html.escape(s) in tile1, (s, "in the stacked chart's legend")
        # The scatter has a point per unit billed; the funnel a step per status.
        tile4 = wr.text.split('data-tile="4"')[1].split('data-tile="5"')[0]
        (units_billed,), = truth(f"SELECT count(DISTINCT u.nome_unidade) FROM {FATURAS} f JOIN {UNIDADES} u ON f.id_unidade = u.id_unidade WHERE f.id_cliente = ?", customer)
        assert tile4.count("<circle") == min(units_billed, 500), (tile4.count("<circle"), units_billed)
        tile2 = wr.text.split('data-tile="2"')[1].split('data-tile="3"')[0]
        assert "100" in tile2 and all(html.escape(s) in tile2 for s in statuses), tile2[:600]
    # Controls refuse what is not a range, naming the filter.
    v = login(1)
    base = "/embed/dashboards/faturas_detalhe?"
    refused(v.get(base + "Valor%5Bfrom%5D=abc"), 400, "Valor", "abc")
    refused(v.get(base + "Vencimento%5Bfrom%5D=2025-05-01&Vencimento%5Bto%5D=2025-04-01"), 400, "Vencimento")
    refused(v.get(base + "Vencimento%5Bfrom%5D=ontem"), 400, "YYYY-MM-DD")
    refused(v.get(base + "Status%5Bx%5D=1"), 400, "Status[]")


def hostile_page_input_is_a_4xx():
    v = login(1)
    cases = [
        ("/embed/dashboards/visao_geral?Nada=1", 400, "Mês"),
        ("/embed/dashboards/visao_geral?M%C3%AAs=%3E%3E%3E", 400, "&gt;&gt;&gt;"),
        ("/embed/dashboards/visao_geral?sdk=2&sandboxed_host=true&embed_domain=x", 200, "Custo total"),
        ("/embed/dashboards-next/1", 404, "dashboards-next"),
        ("/embed/dashboards/nope", 404, "nope"),
        ("/embed/dashboards/visao_geral/tiles/99/download/csv", 404, "99"),
        ("/embed/explore/comerc/faturas?fields=faturas.nope", 400, "faturas.nope"),
        ("/embed/explore/comerc/faturas?fields=faturas.custo_total&vis=radar", 400, "looker_column"),
        ("/embed/explore/comerc/faturas?fields=faturas.custo_total&f[faturas.valor]=%3E%3E%3E", 400, "faturas.valor"),
        ("/embed/explore/comerc/nope", 404, "nope"),
        ("/embed/explore/comerc/faturas?fields=faturas.custo_total&limit=abc", 400, "limit"),
        ("/embed/looks/%2e%2e%2f%2e%2e%2fetc%2fpasswd", 404, "no look"),
        ("/embed/explore/comerc/faturas?fields=%3Cscript%3E", 400, "&lt;script&gt;"),
    ]
    for path, status, word in cases:
        r = v.get(path)
        assert r.status_code == status, (path, r.status_code, r.text[:300])
        assert word in r.text, (path, word, r.text[:400])
        assert "<script>" not in r.text
        assert r.headers["content-type"].startswith("text/html"), (path, r.headers["content-type"])
    # A body over server.max_body_bytes (1 MiB by default) is refused unread.
    token = requests.post(f"{BASE}/api/4.0/login", data={"client_id": os.environ["A_ID"],
                                                       "client_secret": os.environ["A_SECRET"]}).json()["access_token"]
    r = requests.post(f"{BASE}/api/4.0/queries/run/json", data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                      headers={"Content-Type": "application/json", "Authorization": f"token {token}"})
    assert r.status_code == 413, (r.status_code, r.text[:200])
    # Markup in a filter value comes back escaped on a page that shows it,
    # in the form and in the events.
    evil = '</script><svg onload=alert(1)>"'
    page, r = ok_page(v, "/embed/dashboards/visao_geral?" + urllib.parse.urlencode({"Unidade": evil}))
    assert evil not in r.text and "<svg onload" not in r.text
    assert page.events[1]["dashboard"]["dashboard_filters"]["Unidade"] == evil


CHECKS = [
    dashboard_shows_each_customer_its_own_numbers,
    a_filter_cannot_reach_another_customers_rows,
    downloads_match_duckdb,
    explore_page_and_its_download,
    pivoted_explore_page_and_its_download,
    look_page_and_download,
    api_client_pages_need_a_token_and_keep_its_filters,
    a_session_without_the_attribute_sees_nothing,
    permissions_are_honoured,
    every_rejection_rule_is_a_clear_refusal,
    a_new_login_replaces_the_users_session,
    frame_protection_and_events,
    drills_list_the_rows_behind_a_mark_for_that_customer_only,
    cross_filters_narrow_the_other_tiles,
    a_drill_menu_breaks_a_mark_down_by_its_drill_fields,
    a_filter_searches_the_viewers_values_as_the_user_types,
    a_dimension_value_drills_by_its_drill_fields,
    controls_pivots_and_the_new_tiles_show_each_customer_its_rows,
    hostile_page_input_is_a_4xx,
]

failed = 0
for check in CHECKS:
    try:
        check()
        print(f"ok    {check.__name__}")
    except Exception:
        failed += 1
        print(f"FAIL  {check.__name__}")
        traceback.print_exc()
if failed:
    sys.exit(f"{failed} check(s) failed")
print("all checks passed")
