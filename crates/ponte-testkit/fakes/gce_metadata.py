"""A stand-in for Google's metadata server, for the role federation tests:
it serves ID tokens the way the real one does on Cloud Run, GCE and GKE.

Only the identity endpoint that ponte calls is served, as Google documents
it (https://cloud.google.com/compute/docs/instances/verifying-instance-identity
and https://cloud.google.com/docs/authentication/get-id-token#metadata-server):

    GET /computeMetadata/v1/instance/service-accounts/default/identity?audience=AUD[&format=full]
    Metadata-Flavor: Google

answers an RS256 JWT signed by a key made at start: iss
https://accounts.google.com, aud = the audience asked for, sub and azp =
the service account's numeric unique id, email, iat, exp = iat + 1 h. As on
Google's server, a request without the Metadata-Flavor header is refused
with 403 and one without an audience with 400.

The public key is written (as a JWK) to --public-key so a test can verify
the token that reached STS was this server's, for the audience configured.
Every identity request is logged as a JSON line to --log.

Usage: gce_metadata.py --port P --public-key FILE --log FILE
       [--subject 112233445566778899000] [--email ponte@project.iam.gserviceaccount.com]
"""

import argparse
import http.server
import json
import threading
import time
import urllib.parse

from joserfc import jwt
from joserfc.jwk import RSAKey

IDENTITY = "/computeMetadata/v1/instance/service-accounts/default/identity"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--public-key", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--subject", default="112233445566778899000")
    parser.add_argument("--email", default="ponte-transfer@ponte-test.iam.gserviceaccount.com")
    args = parser.parse_args()

    key = RSAKey.generate_key(2048, parameters={"kid": "ponte-test-key"})
    with open(args.public_key, "w") as f:
        json.dump(key.as_dict(private=False), f)
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            flavor = self.headers.get("Metadata-Flavor")
            with lock, open(args.log, "a") as log:
                log.write(json.dumps({"path": url.path, "query": query, "flavor": flavor}) + "\n")
            if url.path != IDENTITY:
                return self.answer(404, "Not Found")
            if flavor != "Google":
                return self.answer(403, "Missing required header: Metadata-Flavor")
            if not query.get("audience"):
                return self.answer(400, "non-empty audience parameter required")
            now = int(time.time())
            claims = {
                "iss": "https://accounts.google.com",
                "aud": query["audience"],
                "azp": args.subject,
                "sub": args.subject,
                "email": args.email,
                "email_verified": True,
                "iat": now,
                "exp": now + 3600,
            }
            token = jwt.encode({"alg": "RS256", "kid": "ponte-test-key", "typ": "JWT"}, claims, key)
            self.answer(200, token)

        def answer(self, status, text):
            body = text.encode()
            try:
                self.send_response(status)
                self.send_header("Metadata-Flavor", "Google")
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except ConnectionError:
                pass  # a readiness probe that read the status line and left

        def log_message(self, *_):
            pass

    http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
