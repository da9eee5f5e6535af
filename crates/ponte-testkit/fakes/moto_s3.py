"""moto's standalone server, with the one behaviour of S3 that moto leaves
out and ponte's integrity checks depend on: an object encrypted with
SSE-KMS (or DSSE-KMS) has an ETag that is not the MD5 of its data.

Amazon's S3 documentation says so in "Checking object integrity" and in
the ETag entry of its Object data type: "Objects encrypted by SSE-C or
SSE-KMS have ETags that are not an MD5 digest of their object data." moto
gives every object the MD5 ETag, so a test against it could not tell a
client that takes such an ETag for an MD5 (and fails a good copy, or
trusts a bad one) from one that does not. This wrapper replaces the ETag
of every SSE-KMS object with 32 hex digits derived from the MD5 and the
key id, stable for the object version like S3's, keeping a multipart
upload's `-N` suffix. Everything else is moto, unchanged.

Usage: python moto_s3.py [moto.server arguments]
"""

import hashlib
import sys

from moto.s3.models import FakeKey
from moto.server import main

_moto_etag = FakeKey.etag.fget


def _s3_etag(key):
    etag = _moto_etag(key)
    if not (key.encryption or "").startswith("aws:kms"):
        return etag
    digest, dash, parts = etag.strip('"').partition("-")
    opaque = hashlib.md5(f"sse-kms {digest} {key.kms_key_id or ''}".encode()).hexdigest()
    return f'"{opaque}{dash}{parts}"'


FakeKey.etag = property(_s3_etag)

if __name__ == "__main__":
    main(sys.argv[1:])
