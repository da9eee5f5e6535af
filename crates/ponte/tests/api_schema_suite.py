"""Every JSON response of every served Looker API route, validated against
the response schemas of Looker's own API 4.0 OpenAPI document
(`shared/specs/Looker.4.0.oas.json`), with the `jsonschema` package.

Run by looker_api.rs against `ponte serve` over the demo's data. Each route
is called the way an app calls it, for its usual answer and for its
errors; each answer's body is checked against the document's schema for
that path, method and status.

The document is OpenAPI 3.0; its schemas become JSON Schema here:
`$ref`s point into the document's components, `nullable: true` allows
`null`. Where the document itself is malformed it is normalised, and this
is the whole list: `type: any` and `format: any` (not JSON Schema types)
mean any value; the run endpoints' 200 answers are typed `string` (the
document types results as opaque text) although `json` results are JSON
arrays, so they are checked as JSON of any shape; `query_task_multi_results`
is an object of anything; an error status a route does not list (401 on
every route) is checked as Looker's `Error`.

Usage: api_schema_suite.py SPEC_PATH   (env: PONTE_BASE, A_ID, A_SECRET, C_ID, C_SECRET)
"""

import copy
import json
import os
import sys
import time
import urllib.parse

import jsonschema
import requests

SPEC = json.load(open(sys.argv[1]))
BASE = os.environ["PONTE_BASE"]
API = BASE + "/api/4.0"


def normalise(node):
    """An OpenAPI 3.0 schema node as JSON Schema (draft 7)."""
    if isinstance(node, list):
        return [normalise(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref":
            out["$ref"] = value.replace("#/components/schemas/", "#/definitions/")
        elif key == "type" and value == "any":
            continue
        elif key == "format" and value == "any":
            continue
        elif key in ("nullable", "readOnly", "x-looker-nullable", "x-looker-write-only", "x-looker-status"):
            continue
        else:
            out[key] = normalise(value)
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else out["type"] + ["null"]
        elif "$ref" in out:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


DEFINITIONS = {name: normalise(schema) for name, schema in SPEC["components"]["schemas"].items()}
jsonschema.Draft7Validator.check_schema({"definitions": DEFINITIONS})
checked = []
problems = []


def schema_for(method, template, status):
    operation = SPEC["paths"][template][method.lower()]
    response = operation["responses"].get(str(status))
    if response is None and status >= 400:
        # The document lists each route's usual errors; the others (401 on
        # every route) are Looker's `Error` too.
        return {"$ref": "#/definitions/Error", "definitions": DEFINITIONS}
    assert response is not None, f"{method} {template}: the document has no {status} answer"
    content = response.get("content", {})
    schema = (content.get("application/json") or next(iter(content.values()), {})).get("schema")
    schema = copy.deepcopy(schema)
    if "/run/" in template or template.endswith("/results") or template.endswith("multi_results"):
        if status == 200:
            schema = {}  # results: JSON of any shape (see above)
    return {**normalise(schema or {}), "definitions": DEFINITIONS}


def call(method, template, expect, token=None, path_params=None, **kw):
    """Calls `template` with `path_params`, asserts the status and checks
    the JSON body against the document."""
    path = template
    for name, value in (path_params or {}).items():
        path = path.replace("{" + name + "}", urllib.parse.quote(str(value), safe=""))
    headers = kw.pop("headers", {})
    if token:
        headers["Authorization"] = f"token {token}"
    r = requests.request(method, API + path, headers=headers, **kw)
    assert r.status_code == expect, (method, path, r.status_code, r.text[:300])
    if r.headers.get("content-type", "").startswith("application/json") and r.content:
        body = r.json()
        try:
            # The definitions are checked once below, not per response.
            jsonschema.Draft7Validator(schema_for(method, template, expect)).validate(body)
        except jsonschema.ValidationError as e:
            where = "/".join(str(p) for p in e.absolute_path)
            problems.append(f"{method} {template} {expect}: at `{where}`: {e.message[:300]}")
        checked.append(f"{method} {template} {expect}")
    return r


def login(prefix):
    r = call("POST", "/login", 200, data={"client_id": os.environ[f"{prefix}_ID"],
                                          "client_secret": os.environ[f"{prefix}_SECRET"]})
    return r.json()["access_token"]


a, c = login("A"), login("C")
browser = {"User-Agent": "schema-check-browser"}
query = {"model": "comerc", "view": "faturas", "fields": ["faturas.mes_referencia_month", "faturas.custo_total"],
         "limit": "12"}

# Who and what.
call("GET", "/user", 200, a)
call("GET", "/user", 200, a, params={"fields": "id,display_name"})
call("GET", "/lookml_models", 200, a)
call("GET", "/lookml_models", 200, a, params={"limit": 1, "offset": 0, "exclude_empty": "true"})
call("GET", "/lookml_models", 400, a, params={"limit": "abc"})
call("GET", "/lookml_models/{lookml_model_name}", 200, a, {"lookml_model_name": "comerc"})
SUGGEST = "/models/{model_name}/views/{view_name}/fields/{field_name}/suggestions"
call("GET", SUGGEST, 200, a, {"model_name": "comerc", "view_name": "faturas", "field_name": "unidades.nome_unidade"},
     params={"term": "a"})
call("GET", SUGGEST, 400, a, {"model_name": "comerc", "view_name": "faturas", "field_name": "faturas.custo_total"})
call("GET", SUGGEST, 404, a, {"model_name": "nope", "view_name": "faturas", "field_name": "unidades.nome_unidade"})
call("GET", "/lookml_models/{lookml_model_name}", 404, a, {"lookml_model_name": "nope"})
call("GET", "/lookml_models/{lookml_model_name}/explores/{explore_name}", 200, a,
     {"lookml_model_name": "comerc", "explore_name": "faturas"})
call("GET", "/lookml_models/{lookml_model_name}/explores/{explore_name}", 404, a,
     {"lookml_model_name": "comerc", "explore_name": "nope"})

# Queries: inline, saved, url-encoded, tasks.
for fmt in ("json", "json_bi"):
    call("POST", "/queries/run/{result_format}", 200, a, {"result_format": fmt}, json=query)
call("POST", "/queries/run/{result_format}", 400, a, {"result_format": "json"}, json={**query, "fields": ["x.y"]})
call("POST", "/queries/run/{result_format}", 401, None, {"result_format": "json"}, json=query)
call("POST", "/queries/run/{result_format}", 403, c, {"result_format": "json"}, json=query)
saved = call("POST", "/queries", 200, a, json=query).json()
call("GET", "/queries/{query_id}", 200, a, {"query_id": saved["id"]})
call("GET", "/queries/{query_id}", 404, a, {"query_id": "nope"})
call("GET", "/queries/{query_id}/run/{result_format}", 200, a, {"query_id": saved["id"], "result_format": "json"})
call("GET", "/queries/models/{model_name}/views/{view_name}/run/{result_format}", 200, a,
     {"model_name": "comerc", "view_name": "faturas", "result_format": "json"},
     params={"fields": "faturas.custo_total"})
task = call("POST", "/query_tasks", 200, a, json={"query_id": saved["id"], "result_format": "json"}).json()
for _ in range(200):
    if call("GET", "/query_tasks/{query_task_id}", 200, a, {"query_task_id": task["id"]}).json()["status"] != "running":
        break
    time.sleep(0.05)
call("GET", "/query_tasks/{query_task_id}/results", 200, a, {"query_task_id": task["id"]})
call("GET", "/query_tasks/multi_results", 200, a, params={"query_task_ids": task["id"]})
call("GET", "/query_tasks/{query_task_id}", 404, a, {"query_task_id": "nope"})
call("POST", "/query_tasks", 400, a, json={"result_format": "json"})

# Content.
call("GET", "/looks", 200, a)
call("GET", "/looks/search", 200, a, params={"title": "%"})
look = call("GET", "/looks/{look_id}", 200, a, {"look_id": "1"}).json()
call("GET", "/looks/{look_id}", 404, a, {"look_id": "99"})
call("GET", "/queries/{query_id}", 200, a, {"query_id": look["query_id"]})
call("GET", "/looks/{look_id}/run/{result_format}", 200, a, {"look_id": "1", "result_format": "json"})
call("GET", "/dashboards", 200, a)
call("GET", "/dashboards/search", 200, a, params={"title": "%"})
call("GET", "/dashboards/{dashboard_id}", 200, a, {"dashboard_id": "visao_geral"})
call("GET", "/dashboards/{dashboard_id}", 404, a, {"dashboard_id": "nope"})

# Embedding.
sso = {"target_url": BASE + "/embed/dashboards/visao_geral", "external_user_id": "schema", "models": ["comerc"],
       "permissions": ["access_data"], "user_attributes": {"id_cliente": "1"}}
url = call("POST", "/embed/sso_url", 200, a, json=sso).json()["url"]
call("POST", "/embed/sso_url", 400, a, json={"target_url": "/elsewhere"})
call("POST", "/embed/sso_url", 403, a, json={**sso, "user_attributes": {"id_cliente": "2"}})
call("GET", "/embed/sso/validate", 200, a, params={"url": url})
acquired = call("POST", "/embed/cookieless_session/acquire", 200, a, headers=dict(browser),
                json={"external_user_id": "schema", "models": ["comerc"], "user_attributes": {"id_cliente": "1"}}).json()
call("PUT", "/embed/cookieless_session/generate_tokens", 200, a, headers=dict(browser),
     json={"session_reference_token": acquired["session_reference_token"]})
call("DELETE", "/embed/cookieless_session/{session_reference_token}", 204, a,
     {"session_reference_token": acquired["session_reference_token"]})
call("DELETE", "/embed/cookieless_session/{session_reference_token}", 404, a,
     {"session_reference_token": acquired["session_reference_token"]})

call("DELETE", "/logout", 204, a)

if problems:
    print("\n".join(problems))
    sys.exit(f"{len(problems)} response(s) do not match Looker's API document")
print(f"{len(checked)} JSON responses of {len({x.rsplit(' ', 1)[0] for x in checked})} route/method pairs "
      "match Looker's API document")
print("all checks passed")
