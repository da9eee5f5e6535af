"""A stand-in for AWS STS that refuses, for the role federation tests:
moto accepts any AssumeRoleWithWebIdentity, so the errors a real STS gives
(a token from the wrong issuer, an expired token, a role that does not
trust the caller) are played here.

Every POST is answered with STS's documented error body
(https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html):

    <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
      <Error><Type>Sender</Type><Code>CODE</Code><Message>MESSAGE</Message></Error>
      <RequestId>…</RequestId>
    </ErrorResponse>

with the given HTTP status. Each request's form fields are logged as a JSON
line to --log, the token replaced by whether there was one.

Usage: sts_refusal.py --port P --code CODE --message TEXT --status 400 --log FILE
"""

import argparse
import http.server
import json
import threading
import urllib.parse
import uuid
from xml.sax.saxutils import escape


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--code", required=True)
    parser.add_argument("--message", required=True)
    parser.add_argument("--status", type=int, default=400)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            form["WebIdentityToken"] = bool(form.get("WebIdentityToken"))
            with lock, open(args.log, "a") as log:
                log.write(json.dumps(form) + "\n")
            body = (
                '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                f"<Error><Type>Sender</Type><Code>{escape(args.code)}</Code>"
                f"<Message>{escape(args.message)}</Message></Error>"
                f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
            ).encode()
            self.send_response(args.status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            try:
                self.send_response(405)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except ConnectionError:
                pass  # a readiness probe that read the status line and left

        def log_message(self, *_):
            pass

    http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
