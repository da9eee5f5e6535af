"""A GCS server for the tests: fake-gcs-server behind a front that speaks
the writes of GCS's XML API.

fake-gcs-server (the emulator Google's client libraries are usually tested
against) serves what object_store reads through the XML API: GET and HEAD
of `/{bucket}/{object}` with ranges, `GET /{bucket}?list-type=2` listings,
DELETE. It refuses every XML-API write ("invalid uploadType"): the upload
of an object, the multipart upload, the copy. This front forwards the reads
to the emulator untouched (so its own answers, ETags included, are what
ponte sees) and implements the writes as Google's XML API reference
documents them, request by request, storing the bytes in the emulator
through its JSON API:

- PUT Object (https://cloud.google.com/storage/docs/xml-api/put-object-upload):
  `x-goog-if-generation-match` honoured (412 PreconditionFailed), the
  response carries ETag, x-goog-generation, x-goog-metageneration and
  x-goog-hash (crc32c and md5).
- PUT Object with `x-goog-copy-source` (put-object-copy): a copy, answered
  with a CopyObjectResult.
- XML multipart uploads (post-object-multipart, put-object-multipart,
  post-object-complete, delete-multipart): an InitiateMultipartUploadResult
  with an upload id, parts answered with their MD5 ETag, the completion
  checked against the parts sent (400 InvalidPart) and answered with a
  CompleteMultipartUploadResult. As in GCS, the finished object reports a
  CRC32C and no MD5 in x-goog-hash.

The emulator's JSON API stays reachable on its own port as the tests'
independent view of the bucket (names, sizes, md5Hash, crc32c).

A test can make the server store other bytes than it received, as a
faulty network or disk would: while the file named by --corrupt-file holds
a text, a write whose object name contains it is stored with one bit
flipped (and reported with that corrupted object's hashes, as GCS would).

Usage: gcs_xml.py --port P --backend-port B --binary PATH [--log FILE] [--corrupt-file FILE]
"""

import argparse
import base64
import ctypes
import hashlib
import http.client
import http.server
import json
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET


def die_with_parent():
    """The emulator dies with this process, even on SIGKILL."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Backend:
    """The emulator: reads forwarded as they are, writes through JSON."""

    def __init__(self, port):
        self.port = port
        self.host = f"127.0.0.1:{port}"

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = dict(headers or {})
        headers["Host"] = self.host
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, response.getheaders(), data

    def metadata(self, bucket, name):
        """The object's JSON metadata, or None."""
        path = f"/storage/v1/b/{q(bucket)}/o/{q(name)}"
        status, _, data = self.request("GET", path)
        return json.loads(data) if status == 200 else None

    def upload(self, bucket, name, data, content_type):
        path = f"/upload/storage/v1/b/{q(bucket)}/o?uploadType=media&name={q(name)}"
        headers = {"Content-Type": content_type or "application/octet-stream"}
        status, _, body = self.request("POST", path, data, headers)
        if status != 200:
            raise RuntimeError(f"emulator upload failed: {status} {body[:200]!r}")
        return json.loads(body)

    def copy(self, src_bucket, src, bucket, name):
        path = f"/storage/v1/b/{q(src_bucket)}/o/{q(src)}/copyTo/b/{q(bucket)}/o/{q(name)}"
        status, _, body = self.request("POST", path, b"", {"Content-Type": "application/json"})
        return status, (json.loads(body) if status == 200 else None)


def q(text):
    return urllib.parse.quote(text, safe="")


def etag_of(meta):
    """The ETag the emulator's own GET answers for this object."""
    return f'"{meta["md5Hash"]}"' if "md5Hash" in meta else f'"{meta.get("etag", "")}"'


def xml_error(code, message):
    return f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()


class Front(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    backend = None
    uploads = {}
    lock = threading.Lock()
    log = None
    corrupt_file = None

    def log_message(self, *args):
        pass

    # --- plumbing -------------------------------------------------------

    def split(self):
        """(bucket, object name, query) of the request target."""
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.lstrip("/").split("/", 1)
        bucket = urllib.parse.unquote(parts[0])
        name = urllib.parse.unquote(parts[1]) if len(parts) > 1 else ""
        return bucket, name, urllib.parse.parse_qs(url.query, keep_blank_values=True)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def answer(self, status, body=b"", headers=(), length=None):
        """Sends a response; a HEAD's `length` is the object's, not a body's."""
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        if self.log:
            with self.lock, open(self.log, "a") as f:
                f.write(json.dumps({"method": self.command, "path": self.path, "status": status}) + "\n")

    def forward(self):
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        status, response_headers, data = self.backend.request(self.command, self.path, self.body() or None, headers)
        keep = [(k, v) for k, v in response_headers if k.lower() not in ("content-length", "transfer-encoding", "connection")]
        length = None
        if self.command == "HEAD":
            length = next((v for k, v in response_headers if k.lower() == "content-length"), "0")
        self.answer(status, data, keep, length)

    def stored(self, name, data):
        """The bytes to store for `name`: `data`, or `data` with a bit flipped."""
        if not self.corrupt_file or not data:
            return data
        try:
            with open(self.corrupt_file) as f:
                pattern = f.read().strip()
        except OSError:
            return data
        if not pattern or pattern not in name:
            return data
        return bytes([data[0] ^ 0x01]) + data[1:]

    def object_headers(self, meta, with_md5=True):
        hashes = f"crc32c={meta['crc32c']}"
        if with_md5 and "md5Hash" in meta:
            hashes += f",md5={meta['md5Hash']}"
        return [
            ("ETag", etag_of(meta)),
            ("x-goog-generation", str(meta.get("generation", "1"))),
            ("x-goog-metageneration", str(meta.get("metageneration", "1"))),
            ("x-goog-hash", hashes),
            ("x-goog-stored-content-length", str(meta.get("size", "0"))),
        ]

    def precondition_failed(self, bucket, name):
        """Whether `x-goog-if-generation-match` fails for the object."""
        wanted = self.headers.get("x-goog-if-generation-match")
        if wanted is None:
            return False
        meta = self.backend.metadata(bucket, name)
        current = meta["generation"] if meta else "0"
        return str(current) != wanted

    # --- methods --------------------------------------------------------

    def do_GET(self):
        self.forward()

    def do_HEAD(self):
        self.forward()

    def do_DELETE(self):
        bucket, name, query = self.split()
        if "uploadId" in query:
            with self.lock:
                found = self.uploads.pop(query["uploadId"][0], None)
            return self.answer(204) if found else self.answer(404, xml_error("NoSuchUpload", "no such upload"))
        self.forward()

    def do_PUT(self):
        bucket, name, query = self.split()
        if "uploadId" in query:
            return self.put_part(query)
        data = self.body()
        if self.precondition_failed(bucket, name):
            return self.answer(412, xml_error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold."))
        source = self.headers.get("x-goog-copy-source")
        if source:
            src_bucket, _, src = urllib.parse.unquote(source.lstrip("/")).partition("/")
            status, meta = self.backend.copy(src_bucket, src, bucket, name)
            if status != 200:
                return self.answer(404, xml_error("NoSuchKey", "The specified key does not exist."))
            body = f"<CopyObjectResult><LastModified>{meta['updated']}</LastModified><ETag>{etag_of(meta)}</ETag></CopyObjectResult>"
            return self.answer(200, body.encode(), self.object_headers(meta))
        meta = self.backend.upload(bucket, name, self.stored(name, data), self.headers.get("Content-Type"))
        self.answer(200, b"", self.object_headers(meta))

    def do_POST(self):
        bucket, name, query = self.split()
        if "uploads" in query:
            upload_id = uuid.uuid4().hex
            with self.lock:
                self.uploads[upload_id] = {"bucket": bucket, "name": name, "type": self.headers.get("Content-Type"), "parts": {}}
            self.body()
            body = (
                "<?xml version='1.0' encoding='UTF-8'?><InitiateMultipartUploadResult>"
                f"<Bucket>{bucket}</Bucket><Key>{escape(name)}</Key><UploadId>{upload_id}</UploadId>"
                "</InitiateMultipartUploadResult>"
            )
            return self.answer(200, body.encode(), [("Content-Type", "application/xml")])
        if "uploadId" in query:
            return self.complete(query["uploadId"][0])
        self.answer(400, xml_error("InvalidArgument", "unsupported POST"))

    def put_part(self, query):
        upload_id = query["uploadId"][0]
        number = int(query["partNumber"][0])
        data = self.body()
        with self.lock:
            upload = self.uploads.get(upload_id)
            if upload is None:
                return self.answer(404, xml_error("NoSuchUpload", "no such upload"))
            upload["parts"][number] = data
        self.answer(200, b"", [("ETag", f'"{hashlib.md5(data).hexdigest()}"')])

    def complete(self, upload_id):
        listed = ET.fromstring(self.body())
        with self.lock:
            upload = self.uploads.get(upload_id)
        if upload is None:
            return self.answer(404, xml_error("NoSuchUpload", "no such upload"))
        chunks = []
        for part in listed.iter("Part"):
            number = int(part.findtext("PartNumber"))
            etag = part.findtext("ETag").strip('"')
            data = upload["parts"].get(number)
            if data is None or hashlib.md5(data).hexdigest() != etag:
                return self.answer(400, xml_error("InvalidPart", f"part {number} was not uploaded with that ETag"))
            chunks.append(data)
        data = b"".join(chunks)
        meta = self.backend.upload(upload["bucket"], upload["name"], self.stored(upload["name"], data), upload["type"])
        with self.lock:
            self.uploads.pop(upload_id, None)
        body = (
            "<?xml version='1.0' encoding='UTF-8'?><CompleteMultipartUploadResult>"
            f"<Bucket>{upload['bucket']}</Bucket><Key>{escape(upload['name'])}</Key><ETag>{etag_of(meta)}</ETag>"
            "</CompleteMultipartUploadResult>"
        )
        # A multipart object has a CRC32C and no MD5 in GCS.
        self.answer(200, body.encode(), [("Content-Type", "application/xml")] + self.object_headers(meta, with_md5=False))


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--backend-port", type=int, required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--log")
    parser.add_argument("--corrupt-file")
    args = parser.parse_args()
    backend = Backend(args.backend_port)
    emulator = subprocess.Popen(
        [args.binary, "-scheme", "http", "-host", "127.0.0.1", "-port", str(args.backend_port),
         "-backend", "memory", "-public-host", backend.host, "-external-url", f"http://{backend.host}",
         "-log-level", "error"],
        stdout=subprocess.DEVNULL, stderr=sys.stderr, preexec_fn=die_with_parent,
    )
    deadline = time.time() + 30
    while True:
        try:
            backend.request("GET", "/storage/v1/b")
            break
        except OSError:
            if emulator.poll() is not None or time.time() > deadline:
                sys.exit(f"fake-gcs-server did not start on port {args.backend_port}")
            time.sleep(0.05)
    Front.backend = backend
    Front.log = args.log
    Front.corrupt_file = args.corrupt_file
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Front)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    finally:
        emulator.kill()


if __name__ == "__main__":
    main()
