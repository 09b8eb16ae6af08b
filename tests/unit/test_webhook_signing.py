"""X-FusionAuth-Signature-JWT: signed with the key, kid in the header, body hash claim."""

from __future__ import annotations

import base64
import hashlib

import jwt

from idstream.webhooks.signing import BODY_CLAIM, body_digest, sign, verify

SECRET = bytes(range(64))  # HS512 wants a 64-byte key (RFC 7518)
BODY = b'{"event":{"type":"user.create"}}'


def test_token_carries_the_kid_and_the_body_hash() -> None:
    token = sign(BODY, SECRET, "HS256", "kid-1")
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "kid": "kid-1", "typ": "JWT"}
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims[BODY_CLAIM] == base64.b64encode(hashlib.sha256(BODY).digest()).decode()


def test_receiver_check_fails_for_another_body_or_key() -> None:
    token = sign(BODY, SECRET, "HS512", "k")
    assert verify(token, BODY, SECRET, ["HS512"])
    assert not verify(token, BODY.replace(b"create", b"delete"), SECRET, ["HS512"])
    assert not verify(token, BODY, b"x" * 64, ["HS512"])
    assert not verify("not a jwt", BODY, SECRET, ["HS512"])


def test_digest_is_of_the_exact_bytes() -> None:
    assert body_digest(BODY) != body_digest(BODY + b"\n")
