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
upload's `-N` suffix.

With PONTE_MOTO_UNTAGGED_LISTINGS=bucket[,bucket…] in the environment,
ListObjectsV2 of those buckets lists no ETag, as S3-compatible servers
such as s3s-fs list (their GET and HEAD still send one): a client must
then tell an unchanged object by what such a listing does carry.
Everything else is moto, unchanged.

Usage: python moto_s3.py [moto.server arguments]
"""

import hashlib
import os
import re
import sys

from moto.s3.models import FakeKey
from moto.s3.responses import S3Response
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

_untagged = {b for b in os.environ.get("PONTE_MOTO_UNTAGGED_LISTINGS", "").split(",") if b}
_list_objects_v2 = S3Response.list_objects_v2


def _list_objects_v2_untagged(self):
    status, headers, body = _list_objects_v2(self)
    if self.bucket_name in _untagged:
        text = body.decode() if isinstance(body, bytes) else body
        body = re.sub(r"<ETag>[^<]*</ETag>", "", text)
        headers = {k: v for k, v in headers.items() if k.lower() != "content-length"}
    return status, headers, body


S3Response.list_objects_v2 = _list_objects_v2_untagged

if __name__ == "__main__":
    main(sys.argv[1:])
