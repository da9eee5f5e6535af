"""Signing Looker's signed-embed URLs in the Python suites, written from
Looker's documentation of the scheme (not from ponte's code), so the
server is checked against an implementation that is not its own."""

import base64
import hashlib
import hmac
import json
import secrets
import time
import urllib.parse


def js_json(value):
    """JSON.stringify's text for the values embed URLs carry."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def encode_component(text):
    """JavaScript's encodeURIComponent."""
    return urllib.parse.quote(text, safe="-_.!~*'()")


def sign_url(base, secret, target, user, attributes=None, permissions=(), models=("comerc",), session_length=600,
             when=None, nonce=None, drop=()):
    """A signed login URL on `base` (`https://host[:port]`) for `target`,
    signed with `secret` (HMAC-SHA256); `drop` leaves parameters out after
    signing, to test refusals."""
    host = base.split("://", 1)[1]
    params = {
        "nonce": js_json(nonce or secrets.token_hex(16)),
        "time": js_json(int(when if when is not None else time.time())),
        "session_length": js_json(session_length),
        "external_user_id": js_json(user),
        "permissions": js_json(list(permissions)),
        "models": js_json(list(models)),
    }
    if attributes is not None:
        params["user_attributes"] = js_json(attributes)
    params["access_filters"] = js_json({})
    path = "/login/embed/" + encode_component(target)
    signed = "\n".join([host, path] + list(params.values()))
    digest = hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest()
    params["signature"] = base64.b64encode(digest).decode()
    for key in drop:
        params.pop(key)
    return base + path + "?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
