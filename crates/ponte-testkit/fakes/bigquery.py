"""A local BigQuery REST server for contract tests, built from Google's
published discovery document (bigquery.v2.json).

It serves what ponte calls: jobs.insert, the resumable upload endpoint,
jobs.get, jobs.query, jobs.getQueryResults, tables.get and tables.list.
Every JSON request body is checked against the discovery document's
schemas (unknown fields, wrong types and values outside an enum are
refused with HTTP 400, as Google does), every request must carry the
expected bearer token, and every request is recorded for the test to
assert on (GET /_fake/requests).

Tables live in DuckDB, which also runs the queries: a load job runs in one
DuckDB transaction, so a failed job leaves the table as it was. Jobs go
PENDING -> RUNNING -> DONE over successive jobs.get calls. Faults are queued
by the test (POST /_fake/faults) and consumed in order:

  {"jobs.insert": [{"status": 429, "reason": "rateLimitExceeded"}],
   "upload": [{"status": 503, "reason": "backendError"}],
   "upload_chunk": [{"status": 503}],
   "job": [{"reason": "backendError", "message": "..."}],
   "jobs.query": [{"status": 403, "reason": "quotaExceeded"}]}

Usage: bigquery.py --port P --spec bigquery.v2.json --token T --gcs-root DIR
(gs://bucket/key is read from DIR/bucket/key).
"""

import argparse
import base64
import datetime
import json
import os
import re
import sys
import tempfile
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

CHUNK_GRANULE = 256 * 1024


class ApiError(Exception):
    def __init__(self, status, reason, message):
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


class Contract:
    """Checks JSON bodies against the discovery document's schemas."""

    def __init__(self, spec):
        self.schemas = spec["schemas"]

    def check(self, value, ref, path="body"):
        problems = []
        self._check(value, {"$ref": ref}, path, problems)
        if problems:
            raise ApiError(400, "invalid", "request does not follow the discovery document: " + "; ".join(problems))

    def _check(self, value, schema, path, problems):
        if "$ref" in schema:
            schema = self.schemas[schema["$ref"]]
        kind = schema.get("type")
        if kind == "object":
            if not isinstance(value, dict):
                problems.append(f"{path}: expected an object")
                return
            props = schema.get("properties", {})
            extra = schema.get("additionalProperties")
            for key, item in value.items():
                if key in props:
                    self._check(item, props[key], f"{path}.{key}", problems)
                elif extra is not None:
                    self._check(item, extra, f"{path}.{key}", problems)
                else:
                    problems.append(f"{path}: unknown field `{key}`")
        elif kind == "array":
            if not isinstance(value, list):
                problems.append(f"{path}: expected an array")
                return
            for i, item in enumerate(value):
                self._check(item, schema.get("items", {}), f"{path}[{i}]", problems)
        elif kind == "string":
            if not isinstance(value, str):
                problems.append(f"{path}: expected a string (int64 values travel as strings), found {value!r}")
            elif "enum" in schema and value not in schema["enum"]:
                problems.append(f"{path}: `{value}` is not one of {schema['enum']}")
        elif kind == "boolean":
            if not isinstance(value, bool):
                problems.append(f"{path}: expected a boolean")
        elif kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                problems.append(f"{path}: expected an integer")
        elif kind == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(f"{path}: expected a number")
        elif kind == "any":
            pass


DUCK_TYPES = {
    "STRING": "VARCHAR", "JSON": "VARCHAR", "GEOGRAPHY": "VARCHAR", "BYTES": "BLOB",
    "INTEGER": "BIGINT", "INT64": "BIGINT", "FLOAT": "DOUBLE", "FLOAT64": "DOUBLE",
    "NUMERIC": "DECIMAL(38,9)", "BIGNUMERIC": "VARCHAR", "BOOLEAN": "BOOLEAN", "BOOL": "BOOLEAN",
    "TIMESTAMP": "TIMESTAMPTZ", "DATETIME": "TIMESTAMP", "DATE": "DATE", "TIME": "TIME",
}


def q(name):
    return '"' + name.replace('"', '""') + '"'


def duck_type(field):
    kind = field["type"].upper()
    if kind in ("RECORD", "STRUCT"):
        inner = ", ".join(f"{q(f['name'])} {duck_type(f)}" for f in field["fields"])
        base = f"STRUCT({inner})"
    else:
        base = DUCK_TYPES[kind]
    return base + "[]" if field.get("mode") == "REPEATED" else base


def bq_field(name, dtype):
    """A BigQuery TableFieldSchema for an Arrow result column."""
    mode = "NULLABLE"
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        inner = bq_field(name, dtype.value_type)
        inner["mode"] = "REPEATED"
        return inner
    if pa.types.is_struct(dtype):
        return {"name": name, "type": "RECORD", "mode": mode,
                "fields": [bq_field(dtype.field(i).name, dtype.field(i).type) for i in range(dtype.num_fields)]}
    if pa.types.is_integer(dtype):
        kind = "INTEGER"
    elif pa.types.is_floating(dtype):
        kind = "FLOAT"
    elif pa.types.is_decimal(dtype):
        kind = "NUMERIC" if dtype.precision <= 38 and dtype.scale <= 9 else "BIGNUMERIC"
    elif pa.types.is_boolean(dtype):
        kind = "BOOLEAN"
    elif pa.types.is_timestamp(dtype):
        kind = "TIMESTAMP" if dtype.tz else "DATETIME"
    elif pa.types.is_date(dtype):
        kind = "DATE"
    elif pa.types.is_time(dtype):
        kind = "TIME"
    elif pa.types.is_binary(dtype) or pa.types.is_large_binary(dtype):
        kind = "BYTES"
    else:
        kind = "STRING"
    return {"name": name, "type": kind, "mode": mode}


def encode(value, field, int64_ts):
    """A cell in BigQuery's f/v JSON."""
    if value is None:
        return None
    if field.get("mode") == "REPEATED":
        item = dict(field, mode="NULLABLE")
        return [{"v": encode(v, item, int64_ts)} for v in value]
    kind = field["type"]
    if kind == "RECORD":
        return {"f": [{"v": encode(value.get(f["name"]), f, int64_ts)} for f in field["fields"]]}
    if kind == "BOOLEAN":
        return "true" if value else "false"
    if kind == "FLOAT":
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(float(value))
    if kind == "TIMESTAMP":
        micros = value  # already int64 microseconds
        return str(micros) if int64_ts else repr(micros / 1e6)
    if kind == "DATETIME":
        return value.isoformat()
    if kind in ("DATE", "TIME"):
        return value.isoformat()
    if kind == "BYTES":
        return base64.b64encode(value).decode()
    if kind in ("NUMERIC", "BIGNUMERIC"):
        return format(value, "f")  # plain digits, as BigQuery sends them
    return str(value)


class Fake:
    def __init__(self, spec, token, gcs_root):
        self.contract = Contract(spec)
        self.token = token
        self.gcs_root = gcs_root
        self.lock = threading.RLock()
        self.db = duckdb.connect()
        self.db.execute("SET TimeZone = 'UTC'")
        self.requests = []
        self.faults = {}
        self.jobs = {}       # job id -> job resource (+ private fields)
        self.sessions = {}   # upload session id -> {"job": ..., "path": ..., "size": n}
        self.tables = {}     # (dataset, table) -> BigQuery schema fields
        self.results = {}    # query job id -> (schema fields, rows)
        self.polls_to_done = 2
        self.tmp = tempfile.mkdtemp(prefix="fake-bigquery-")

    def fault(self, kind):
        with self.lock:
            queue = self.faults.get(kind) or []
            return queue.pop(0) if queue else None

    def raise_fault(self, kind):
        f = self.fault(kind)
        if f:
            raise ApiError(f.get("status", 500), f.get("reason", "backendError"), f.get("message", f"injected {kind} fault"))

    # --- jobs ---------------------------------------------------------------

    def new_job(self, project, body, upload_path=None):
        ref = body.get("jobReference", {})
        job_id = ref.get("jobId") or "job_" + uuid.uuid4().hex
        if ref.get("projectId", project) != project:
            raise ApiError(400, "invalid", "jobReference.projectId differs from the URL's project")
        with self.lock:
            if job_id in self.jobs:
                raise ApiError(409, "duplicate", f"Already Exists: Job {project}:{job_id}")
            job = {
                "kind": "bigquery#job",
                "id": f"{project}:{job_id}",
                "jobReference": {"projectId": project, "jobId": job_id, **({"location": ref["location"]} if "location" in ref else {})},
                "configuration": body["configuration"],
                "status": {"state": "PENDING"},
                "statistics": {"creationTime": str(int(datetime.datetime.now().timestamp() * 1000))},
                "_polls": 0,
                "_upload": upload_path,
            }
            self.jobs[job_id] = job
            return self.public(job)

    @staticmethod
    def public(job):
        return {k: v for k, v in job.items() if not k.startswith("_")}

    def get_job(self, job_id):
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None:
                raise ApiError(404, "notFound", f"Not found: Job {job_id}")
            if job["status"]["state"] != "DONE":
                job["_polls"] += 1
                if job["_polls"] >= self.polls_to_done:
                    self.run_job(job)
                else:
                    job["status"]["state"] = "RUNNING"
            return self.public(job)

    def run_job(self, job):
        job["status"]["state"] = "DONE"
        fault = self.fault("job")
        if fault:
            error = {"reason": fault.get("reason", "backendError"), "message": fault.get("message", "injected job fault")}
            job["status"]["errorResult"] = error
            job["status"]["errors"] = [error] + fault.get("more", [])
            return
        load = job["configuration"].get("load")
        try:
            if load is None:
                self.query_into_table(job["configuration"]["query"])
                job["statistics"]["query"] = {"statementType": "SELECT"}
                return
            rows = self.load(load, job["_upload"])
        except ApiError as e:
            error = {"reason": e.reason, "message": e.message}
            job["status"]["errorResult"] = error
            job["status"]["errors"] = [error]
            return
        job["statistics"]["load"] = {"outputRows": str(rows), "outputBytes": str(rows * 8), "inputFiles": "1"}

    def query_into_table(self, config):
        """A query job with a destination table (JobConfigurationQuery):
        the SELECT's rows replace the table, or nothing changes."""
        if config.get("useLegacySql", True):
            raise ApiError(400, "invalid", "legacy SQL is not served; set useLegacySql=false")
        dest = config.get("destinationTable")
        if not dest or config.get("writeDisposition") != "WRITE_TRUNCATE":
            raise ApiError(400, "invalid", "only query jobs that replace a destinationTable are served")
        if config.get("createDisposition", "CREATE_IF_NEEDED") != "CREATE_IF_NEEDED":
            raise ApiError(400, "invalid", "unsupported createDisposition")
        dataset, table = dest["datasetId"], dest["tableId"]
        default = config.get("defaultDataset", {}).get("datasetId")
        target = f"{q(dataset)}.{q(table)}"
        with self.lock:
            db = self.db
            db.execute("BEGIN")
            try:
                db.execute(f"CREATE SCHEMA IF NOT EXISTS {q(dataset)}")
                if default:
                    db.execute(f"CREATE SCHEMA IF NOT EXISTS {q(default)}")
                    db.execute(f"SET schema = '{default}'")
                db.execute(f"CREATE OR REPLACE TABLE {target} AS {config['query']}")
                schema = db.sql(f"SELECT * FROM {target} LIMIT 0").to_arrow_table().schema
                db.execute("COMMIT")
            except duckdb.Error as e:
                db.execute("ROLLBACK")
                raise ApiError(400, "invalid", f"Query error: {e}")
            self.tables[(dataset, table)] = [bq_field(schema.field(i).name, schema.field(i).type) for i in range(len(schema))]

    def load(self, load, upload_path):
        if load.get("sourceFormat") != "PARQUET":
            raise ApiError(400, "invalid", "only PARQUET loads are served")
        dest = load["destinationTable"]
        dataset, table = dest["datasetId"], dest["tableId"]
        if upload_path:
            files = [upload_path]
        else:
            files = []
            for uri in load.get("sourceUris", []):
                m = re.fullmatch(r"gs://([^/]+)/(.+)", uri)
                path = m and os.path.join(self.gcs_root, m.group(1), m.group(2))
                if not path or not os.path.isfile(path):
                    raise ApiError(404, "notFound", f"Not found: URI {uri}")
                files.append(path)
        fields = load["schema"]["fields"]
        columns = ", ".join(
            f"{q(f['name'])} {duck_type(f)}{' NOT NULL' if f.get('mode') == 'REQUIRED' else ''}" for f in fields)
        names = ", ".join(q(f["name"]) for f in fields)
        target = f"{q(dataset)}.{q(table)}"
        with self.lock:
            db = self.db
            db.execute("BEGIN")
            try:
                db.execute(f"CREATE SCHEMA IF NOT EXISTS {q(dataset)}")
                exists = (dataset, table) in self.tables
                if load.get("writeDisposition") == "WRITE_TRUNCATE" or not exists:
                    if load.get("createDisposition") != "CREATE_IF_NEEDED" and not exists:
                        raise ApiError(404, "notFound", f"Not found: Table {dataset}.{table}")
                    db.execute(f"CREATE OR REPLACE TABLE {target} ({columns})")
                elif load.get("writeDisposition") != "WRITE_APPEND":
                    raise ApiError(400, "invalid", "unsupported writeDisposition")
                before = db.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
                db.execute(f"INSERT INTO {target} ({names}) SELECT {names} FROM read_parquet(?)", [files])
                after = db.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
                db.execute("COMMIT")
            except ApiError:
                db.execute("ROLLBACK")
                raise
            except duckdb.Error as e:
                db.execute("ROLLBACK")
                raise ApiError(400, "invalid", f"Error while reading data: {e}")
            self.tables[(dataset, table)] = fields
        return after - before

    # --- queries ------------------------------------------------------------

    def query(self, project, body):
        if body.get("useLegacySql", True):
            raise ApiError(400, "invalid", "legacy SQL is not served; set useLegacySql=false")
        params = {}
        for p in body.get("queryParameters", []):
            if body.get("parameterMode") != "NAMED" or "name" not in p:
                raise ApiError(400, "invalid", "parameters must be named (parameterMode NAMED)")
            kind = p["parameterType"]["type"]
            raw = p.get("parameterValue", {}).get("value")
            params[p["name"]] = None if raw is None else (
                int(raw) if kind == "INT64" else float(raw) if kind == "FLOAT64"
                else raw == "true" if kind == "BOOL" else raw)
        sql = re.sub(r"@(\w+)", r"$\1", body["query"])
        default = body.get("defaultDataset", {}).get("datasetId")
        with self.lock:
            try:
                if default:
                    self.db.execute(f"CREATE SCHEMA IF NOT EXISTS {q(default)}")
                    self.db.execute(f"SET schema = '{default}'")
                table = self.db.sql(sql, params=params or None).to_arrow_table()
            except duckdb.Error as e:
                raise ApiError(400, "invalid", f"Query error: {e}")
        fields = [bq_field(table.schema.field(i).name, table.schema.field(i).type) for i in range(table.num_columns)]
        columns = []
        for i, f in enumerate(fields):
            col = table.column(i)
            if f["type"] == "TIMESTAMP" and f["mode"] != "REPEATED":
                col = pc.cast(pc.cast(col, pa.timestamp("us", "UTC")), pa.int64())
            elif f["type"] == "DATETIME" and f["mode"] != "REPEATED":
                col = pc.cast(col, pa.timestamp("us"))
            columns.append(col.to_pylist())
        rows = [list(r) for r in zip(*columns)] if columns else []
        job_id = "query_" + uuid.uuid4().hex
        self.results[job_id] = (fields, rows)
        return job_id

    def page(self, project, job_id, start, max_results, int64_ts, location):
        fields, rows = self.results[job_id]
        end = min(len(rows), start + max_results) if max_results else len(rows)
        out = {
            "kind": "bigquery#queryResponse",
            "jobReference": {"projectId": project, "jobId": job_id, **({"location": location} if location else {})},
            "schema": {"fields": fields},
            "totalRows": str(len(rows)),
            "jobComplete": True,
            "rows": [{"f": [{"v": encode(v, f, int64_ts)} for v, f in zip(r, fields)]} for r in rows[start:end]],
        }
        if end < len(rows):
            out["pageToken"] = str(end)
        return out


def make_handler(fake):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body=None, headers=None):
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def error(self, e):
            self.reply(e.status, {"error": {"code": e.status, "message": e.message,
                                            "errors": [{"reason": e.reason, "message": e.message, "domain": "global"}]}})

        def body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def handle_any(self, method):
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            raw = self.body()
            record = {"method": method, "path": url.path, "query": query,
                      "content_range": self.headers.get("Content-Range"),
                      "upload_content_type": self.headers.get("X-Upload-Content-Type")}
            try:
                if url.path.startswith("/_fake/"):
                    return self.control(method, url.path, raw)
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    raise ApiError(401, "unauthorized", "Request had invalid authentication credentials.")
                body = None
                if raw and not url.path.startswith("/upload/session/"):
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        raise ApiError(400, "parseError", "Parse Error")
                    record["body"] = body
                else:
                    record["bytes"] = len(raw)
                with fake.lock:
                    fake.requests.append(record)
                self.route(method, url.path, query, body, raw)
            except ApiError as e:
                self.error(e)
            except Exception as e:  # a bug in the fake: say so loudly
                print(f"fake bigquery: {e!r}", file=sys.stderr)
                self.reply(500, {"error": {"code": 500, "message": f"fake failed: {e!r}", "errors": [{"reason": "fakeBug"}]}})

        def control(self, method, path, raw):
            if path == "/_fake/requests":
                with fake.lock:
                    return self.reply(200, fake.requests)
            if path == "/_fake/reset" and method == "POST":
                with fake.lock:
                    fake.requests.clear()
                    fake.faults.clear()
                    return self.reply(200, {})
            if path == "/_fake/faults" and method == "POST":
                with fake.lock:
                    for k, v in json.loads(raw).items():
                        fake.faults.setdefault(k, []).extend(v)
                    return self.reply(200, {})
            self.reply(404, {"error": {"code": 404, "message": "no such control"}})

        def route(self, method, path, query, body, raw):
            m = re.fullmatch(r"/bigquery/v2/projects/([^/]+)/(.*)", path)
            up = re.fullmatch(r"/(?:resumable/)?upload/bigquery/v2/projects/([^/]+)/jobs", path)
            session = re.fullmatch(r"/upload/session/([^/]+)", path)
            if up and method == "POST":
                return self.start_upload(up.group(1), query, body)
            if session:
                return self.upload_chunk(method, session.group(1), raw)
            if not m:
                raise ApiError(404, "notFound", f"no such method: {method} {path}")
            project, rest = m.groups()
            if rest == "jobs" and method == "POST":
                fake.raise_fault("jobs.insert")
                fake.contract.check(body, "Job")
                load = body.get("configuration", {}).get("load")
                query_job = body.get("configuration", {}).get("query")
                if not query_job and (not load or not load.get("sourceUris")):
                    raise ApiError(400, "invalid", "a load job without sourceUris needs the upload endpoint")
                return self.reply(200, fake.new_job(project, body))
            j = re.fullmatch(r"jobs/([^/]+)", rest)
            if j and method == "GET":
                return self.reply(200, fake.get_job(j.group(1)))
            if rest == "queries" and method == "POST":
                fake.raise_fault("jobs.query")
                fake.contract.check(body, "QueryRequest")
                job_id = fake.query(project, body)
                fmt = body.get("formatOptions", {}).get("useInt64Timestamp", False)
                return self.reply(200, fake.page(project, job_id, 0, body.get("maxResults"), fmt, body.get("location")))
            r = re.fullmatch(r"queries/([^/]+)", rest)
            if r and method == "GET":
                if r.group(1) not in fake.results:
                    raise ApiError(404, "notFound", f"Not found: Job {r.group(1)}")
                start = int(query.get("pageToken", query.get("startIndex", "0")))
                fmt = query.get("formatOptions.useInt64Timestamp") == "true"
                return self.reply(200, fake.page(project, r.group(1), start, int(query.get("maxResults", 0)), fmt, query.get("location")))
            t = re.fullmatch(r"datasets/([^/]+)/tables/([^/]+)", rest)
            if t and method == "GET":
                fields = fake.tables.get((t.group(1), t.group(2)))
                if fields is None:
                    raise ApiError(404, "notFound", f"Not found: Table {project}:{t.group(1)}.{t.group(2)}")
                with fake.lock:
                    rows = fake.db.execute(f"SELECT count(*) FROM {q(t.group(1))}.{q(t.group(2))}").fetchone()[0]
                return self.reply(200, {"kind": "bigquery#table", "tableReference": {"projectId": project, "datasetId": t.group(1), "tableId": t.group(2)}, "schema": {"fields": fields},
                                        "numRows": str(rows), "numBytes": str(rows * 8)})
            ts = re.fullmatch(r"datasets/([^/]+)/tables", rest)
            if ts and method == "GET":
                names = sorted(name for (ds, name) in fake.tables if ds == ts.group(1))
                start = int(query.get("pageToken", "0"))
                size = int(query.get("maxResults", "1000"))
                page = {"kind": "bigquery#tableList", "totalItems": len(names),
                        "tables": [{"tableReference": {"projectId": project, "datasetId": ts.group(1), "tableId": n}} for n in names[start:start + size]]}
                if start + size < len(names):
                    page["nextPageToken"] = str(start + size)
                return self.reply(200, page)
            raise ApiError(404, "notFound", f"no such method: {method} {path}")

        def start_upload(self, project, query, body):
            if query.get("uploadType") != "resumable":
                raise ApiError(400, "invalid", "uploadType=resumable expected")
            fake.raise_fault("upload")
            fake.contract.check(body, "Job")
            if body.get("configuration", {}).get("load", {}).get("sourceUris"):
                raise ApiError(400, "invalid", "an upload job must not name sourceUris")
            sid = uuid.uuid4().hex
            path = os.path.join(fake.tmp, sid + ".parquet")
            open(path, "wb").close()
            with fake.lock:
                fake.sessions[sid] = {"project": project, "job": body, "path": path, "size": 0}
            host = self.headers.get("Host")
            self.reply(200, None, {"Location": f"http://{host}/upload/session/{sid}"})

        def upload_chunk(self, method, sid, raw):
            s = fake.sessions.get(sid)
            if s is None:
                raise ApiError(404, "notFound", "no such upload session")
            if method == "DELETE":
                fake.sessions.pop(sid, None)
                return self.reply(499, None)
            if method != "PUT":
                raise ApiError(405, "invalid", "PUT chunks to the session")
            held = {"Range": f"bytes=0-{s['size'] - 1}"} if s["size"] else {}
            rng = self.headers.get("Content-Range", "")
            if rng == "bytes */*":
                return self.reply(308, None, held)
            m = re.fullmatch(r"bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)", rng)
            if not m:
                raise ApiError(400, "invalid", f"bad Content-Range `{rng}`")
            first, last, total = m.groups()
            if first is not None:
                first, last = int(first), int(last)
                if last - first + 1 != len(raw):
                    raise ApiError(400, "invalid", "Content-Range does not match the body's length")
                if first != s["size"]:
                    raise ApiError(400, "invalid", f"chunk starts at {first}, the session holds {s['size']}")
                if total == "*" and len(raw) % CHUNK_GRANULE:
                    raise ApiError(400, "invalid", "a chunk that is not the last must be a multiple of 256 KiB")
                if fake.fault("upload_chunk"):
                    return self.reply(503, {"error": {"code": 503, "message": "injected", "errors": [{"reason": "backendError"}]}})
                with open(s["path"], "ab") as f:
                    f.write(raw)
                s["size"] += len(raw)
            if total == "*":
                return self.reply(308, None, {"Range": f"bytes=0-{s['size'] - 1}"})
            if int(total) != s["size"]:
                raise ApiError(400, "invalid", f"total {total} differs from the {s['size']} bytes received")
            fake.sessions.pop(sid, None)
            self.reply(200, fake.new_job(s["project"], s["job"], upload_path=s["path"]))

        def do_GET(self):
            self.handle_any("GET")

        def do_POST(self):
            self.handle_any("POST")

        def do_PUT(self):
            self.handle_any("PUT")

        def do_DELETE(self):
            self.handle_any("DELETE")

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--spec", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--gcs-root", required=True)
    args = ap.parse_args()
    with open(args.spec) as f:
        fake = Fake(json.load(f), args.token, args.gcs_root)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(fake))
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
