"""The model converted from LookML (tests/fixtures/lookml_demo) queried through
`ponte serve`'s Looker API with the official Python SDK
(run_inline_query: POST /api/4.0/queries/run/json), against DuckDB over
the same parquet files, for two customers whose access filters differ.

Run by crates/ponte/tests/lookml_import.rs as:
    python lookml_import_suite.py <landing folder>
with PONTE_BASE, A_ID/A_SECRET (id_cliente=1) and B_ID/B_SECRET (id_cliente=2).
"""

import json
import os
import sys

import duckdb
import looker_sdk
from looker_sdk import models40 as models
from looker_sdk.rtl import api_settings

LANDING = sys.argv[1]


class Settings(api_settings.ApiSettings):
    def __init__(self, prefix):
        self._creds = {"client_id": os.environ[f"{prefix}_ID"], "client_secret": os.environ[f"{prefix}_SECRET"]}
        super().__init__()

    def read_config(self):
        config = super().read_config()
        config.update(base_url=os.environ["PONTE_BASE"], verify_ssl="false", **self._creds)
        return config


def table(name):
    return f"read_parquet('{LANDING}/{name}/*.parquet')"


FATURAS = table("objeto_dados_energia_gestao_faturas_v2")
UNIDADES = table("objeto_unidades_atributos")
ORCAMENTO = table("objeto_vis_orcamento_multiunidades")
CUSTOMERS = [(looker_sdk.init40(config_settings=Settings("A")), 1), (looker_sdk.init40(config_settings=Settings("B")), 2)]


def run(sdk, explore, fields, sorts, filters=None):
    query = models.WriteQuery(model="energia", view=explore, fields=fields, sorts=sorts, filters=filters, limit="-1")
    rows = json.loads(sdk.run_inline_query("json", query))
    return [tuple(r[f] for f in fields) for r in rows]


def num(v):
    return None if v is None else round(float(v), 2)


def check(name, fn):
    fn()
    print("ok", name, flush=True)


def invoices_by_month():
    """Sums, counts, a filtered measure and a `number` measure over two columns."""
    fields = ["faturas.mes_referencia_month", "faturas.custo_total", "faturas.quantidade",
              "faturas.custo_vencido", "faturas.consumo_kwh", "faturas.custo_medio_kwh"]
    for sdk, customer in CUSTOMERS:
        ours = [(m, num(c), n, num(v), num(k), round(float(r), 6))
                for m, c, n, v, k, r in run(sdk, "faturas", fields, ["faturas.mes_referencia_month"])]
        truth = duckdb.sql(f"""
            SELECT strftime(mes_referencia, '%Y-%m'), sum(valor_total)::DOUBLE, count(*),
                   (sum(valor_total) FILTER (WHERE status_pagamento = 'vencida'))::DOUBLE,
                   sum(consumo_ponta_kwh + consumo_fora_ponta_kwh)::DOUBLE,
                   sum(valor_total)::DOUBLE / sum(consumo_ponta_kwh + consumo_fora_ponta_kwh)
            FROM {FATURAS} WHERE id_cliente = {customer} GROUP BY 1 ORDER BY 1""").fetchall()
        truth = [(m, num(c), n, num(v), num(k), round(r, 6)) for m, c, n, v, k, r in truth]
        assert truth and ours == truth, (customer, ours[:3], truth[:3])


def a_case_dimension_through_a_join():
    """`faixa_valor` (a CASE over ${valor}) by the joined unit's state."""
    fields = ["unidades.uf", "faturas.faixa_valor", "faturas.custo_total", "faturas.unidades_faturadas"]
    for sdk, customer in CUSTOMERS:
        ours = sorted((u, f, num(c), n) for u, f, c, n in run(sdk, "faturas", fields, ["unidades.uf"]))
        truth = duckdb.sql(f"""
            SELECT u.uf, CASE WHEN f.valor_total >= 100000 THEN 'alta'
                              WHEN f.valor_total >= 10000 THEN 'media' ELSE 'baixa' END,
                   sum(f.valor_total)::DOUBLE, count(DISTINCT f.id_unidade)
            FROM {FATURAS} f LEFT JOIN {UNIDADES} u ON f.id_unidade = u.id_unidade
            WHERE f.id_cliente = {customer} GROUP BY 1, 2""").fetchall()
        truth = sorted((u, f, num(c), n) for u, f, c, n in truth)
        assert truth and ours == truth, (customer, ours[:4], truth[:4])


def always_filter_applies_and_a_yesno_filter_works():
    """The explore's always_filter (aprovado: Yes) holds unless the query sets it."""
    fields = ["orcamento.mes_referencia_year", "orcamento.valor_orcado"]
    for sdk, customer in CUSTOMERS:
        # A yes/no field is "No" when its condition is false or NULL, as in Looker.
        for filters, where in [(None, "aprovado"), ({"orcamento.aprovado": "No"}, "aprovado IS NOT TRUE")]:
            ours = [(y, num(v)) for y, v in run(sdk, "orcamento", fields, ["orcamento.mes_referencia_year"], filters)]
            truth = duckdb.sql(f"""
                SELECT year(mes_referencia), sum(valor_orcado)::DOUBLE FROM {ORCAMENTO}
                WHERE id_cliente = {customer} AND {where} GROUP BY 1 ORDER BY 1""").fetchall()
            truth = [(y, num(v)) for y, v in truth]
            assert truth and ours == truth, (customer, filters, ours, truth)


def the_derived_view_answers_as_its_select():
    """The converted derived table (persisted, access-filtered on its
    customer column) gives what its SELECT gives in DuckDB."""
    fields = ["orcamento_mensal.mes_referencia_year", "orcamento_mensal.total_orcado", "orcamento_mensal.linhas"]
    for sdk, customer in CUSTOMERS:
        ours = [(y, num(t), n) for y, t, n in run(sdk, "orcamento_mensal", fields, ["orcamento_mensal.mes_referencia_year"])]
        truth = duckdb.sql(f"""
            WITH d AS (SELECT id_cliente, mes_referencia, SUM(valor_orcado) AS total, COUNT(*) AS linhas
                       FROM {ORCAMENTO} GROUP BY id_cliente, mes_referencia)
            SELECT year(mes_referencia), sum(total)::DOUBLE, sum(linhas) FROM d
            WHERE id_cliente = {customer} GROUP BY 1 ORDER BY 1""").fetchall()
        truth = [(y, num(t), n) for y, t, n in truth]
        assert truth and ours == truth, (customer, ours, truth)


def customers_see_different_rows():
    a, b = (run(sdk, "faturas", ["faturas.custo_total"], []) for sdk, _ in CUSTOMERS)
    assert a != b, (a, b)


def the_converted_dashboard_serves_its_tiles():
    """Its filter, tiles and grid come through the API; the custo_total tile
    (pivoted by status, excluding cancelled invoices) matches DuckDB."""
    sdk, customer = CUSTOMERS[0]
    d = sdk.dashboard("energia_visao_geral")
    assert d.title == "Visão geral", d.title
    assert [f.name for f in d.dashboard_filters] == ["Mês"], d.dashboard_filters
    assert [e.title for e in d.dashboard_elements] == ["Custo total", "Custo por mês", "Sobre"], d.dashboard_elements
    tile = d.dashboard_elements[1].query
    assert (tile.model, tile.view, tile.pivots, tile.filters) == (
        "energia", "faturas", ["faturas.status_pagamento"], {"faturas.status_pagamento": "-cancelada"}), tile
    body = models.WriteQuery(model="energia", view="faturas", fields=["faturas.status_pagamento", "faturas.custo_total"],
                             filters=tile.filters, sorts=["faturas.status_pagamento"], limit="-1")
    ours = [(r["faturas.status_pagamento"], num(r["faturas.custo_total"])) for r in json.loads(sdk.run_inline_query("json", body))]
    truth = duckdb.sql(f"""SELECT status_pagamento, sum(valor_total)::DOUBLE FROM {FATURAS}
                           WHERE id_cliente = {customer} AND status_pagamento <> 'cancelada' GROUP BY 1 ORDER BY 1""").fetchall()
    assert truth and ours == [(s, num(v)) for s, v in truth], (ours, truth)


check("invoices_by_month", invoices_by_month)
check("the_converted_dashboard_serves_its_tiles", the_converted_dashboard_serves_its_tiles)
check("a_case_dimension_through_a_join", a_case_dimension_through_a_join)
check("always_filter_applies_and_a_yesno_filter_works", always_filter_applies_and_a_yesno_filter_works)
check("the_derived_view_answers_as_its_select", the_derived_view_answers_as_its_select)
check("customers_see_different_rows", customers_see_different_rows)
print("all checks passed")
