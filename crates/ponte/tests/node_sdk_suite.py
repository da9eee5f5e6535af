"""Looker's official Node SDK against ponte: runs node_sdk_client.js (the
SDK from npm, unmodified) as three clients, customer 1's, customer 2's and
one without the `id_cliente` attribute, and checks what each got: the
rows equal DuckDB's over the landing bucket's parquet files for that
customer, query tasks answer the same rows, look and tile query ids run
like their look and tiles, cookieless sessions are acquired and renewed;
and the client without the attribute is refused on every call that reads
rows, never shown them.

Usage: node_sdk_suite.py LANDING_DIR   (env: PONTE_BASE, PONTE_JS_MODULES, A_ID, A_SECRET, …)
"""

import json
import os
import subprocess
import sys

import duckdb

LANDING = sys.argv[1]
BASE = os.environ["PONTE_BASE"]
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_sdk_client.js")
FATURAS = f"read_parquet('{LANDING}/objeto_dados_energia_gestao_faturas_v2/*.parquet')"


def run_as(prefix, customer):
    env = dict(os.environ, LOOKERSDK_BASE_URL=BASE, LOOKERSDK_CLIENT_ID=os.environ[f"{prefix}_ID"],
               LOOKERSDK_CLIENT_SECRET=os.environ[f"{prefix}_SECRET"], LOOKERSDK_VERIFY_SSL="false",
               NODE_PATH=os.environ["PONTE_JS_MODULES"], CUSTOMER=str(customer))
    out = subprocess.run(["node", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    line = next((l for l in out.stdout.splitlines() if l.startswith("REPORT ")), None)
    assert line, ("no report", out.stdout[-2000:], out.stderr[-2000:])
    return json.loads(line[len("REPORT "):])


def truth_by_month(customer):
    rows = duckdb.sql(f"""SELECT strftime(mes_referencia, '%Y-%m'), sum(valor_total)::DOUBLE, count(*)
                          FROM {FATURAS} WHERE id_cliente = {customer} GROUP BY 1 ORDER BY 1""").fetchall()
    return [(m, round(t, 2), n) for m, t, n in rows]


def by_month(rows):
    return [(r["faturas.mes_referencia_month"], round(float(r["faturas.custo_total"]), 2),
             r["faturas.quantidade_faturas"]) for r in rows]


def value(report, name):
    entry = report[name]
    assert entry["ok"], (name, entry.get("error"))
    return entry["value"]


for prefix, customer in (("A", 1), ("B", 2)):
    r = run_as(prefix, customer)
    truth = truth_by_month(customer)
    assert value(r, "me") == os.environ[f"{prefix}_ID"]
    assert value(r, "me_fields") == ["display_name", "id"], value(r, "me_fields")
    assert value(r, "validate_embed_url") is True
    assert by_month(value(r, "inline")) == truth, customer
    assert by_month(value(r, "url_encoded")) == truth, customer
    assert by_month(value(r, "saved")) == truth, customer
    task = value(r, "task")
    assert by_month(task["results"]) == truth and task["multi"]["status"] == "complete", task["multi"].get("status")
    assert by_month(task["multi"]["data"]) == truth
    assert value(r, "dashboards") == ["comerc::visao_geral", "comerc::analise_unidades", "comerc::faturas_detalhe"] and value(r, "search_dashboards") == ["comerc::visao_geral"]
    assert value(r, "looks") == ["1", "2", "3"] and value(r, "search_looks") == ["2"]
    look = value(r, "look_query_id")
    assert look["same"] and look["rows"] > 0 and look["query_id"] == "look::comerc::1", look
    tiles = value(r, "tile_query_ids")
    assert len(tiles) == 6 and all(t["query_id"].startswith("tile::comerc::visao_geral::") for t in tiles)
    (cost,), = duckdb.sql(f"SELECT sum(valor_total)::DOUBLE FROM {FATURAS} WHERE id_cliente = {customer}").fetchall()
    assert round(tiles[0]["rows"][0]["faturas.custo_total"], 2) == round(cost, 2), (tiles[0], cost)
    assert value(r, "models") == ["comerc"]
    assert value(r, "sso_url").startswith(f"{BASE}/login/embed/")
    cookieless = value(r, "cookieless")
    assert cookieless["acquired"]["authentication_token"] and cookieless["fresh"]["navigation_token"]
    assert cookieless["fresh"]["session_reference_token_ttl"] > 0
    print(f"ok    customer {customer}: every call, rows equal to DuckDB's", flush=True)

# No attribute: refused wherever rows would come back.
r = run_as("C", 1)
for name in ("inline", "url_encoded", "saved", "task", "look_query_id", "tile_query_ids"):
    assert not r[name]["ok"], (name, r[name])
assert value(r, "dashboards") == [] and value(r, "looks") == []
print("ok    a client without the attribute is refused on every call that reads rows", flush=True)
print("all checks passed")
