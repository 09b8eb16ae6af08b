"""X-FusionAuth-Signature-JWT: a JWT, signed with the webhook's key (kid in its header), whose
claim request_body_sha256 is the base64 SHA-256 of the exact body sent."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

import jwt
from sqlalchemy.orm import Session

from idstream.keys import service as keys
from idstream.keys.models import Key

BODY_CLAIM = "request_body_sha256"
HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")


class SigningKeyUnavailable(Exception):
    """The configured key is missing or cannot sign."""


def body_digest(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def sign(body: bytes, key: Any, algorithm: str, kid: str) -> str:
    return jwt.encode(
        {BODY_CLAIM: body_digest(body)}, key, algorithm=algorithm, headers={"kid": kid}
    )


def verify(token: str, body: bytes, key: Any, algorithms: list[str]) -> bool:
    """What a receiver does; used by the tests and handy for users' own checks."""
    try:
        claims = jwt.decode(token, key, algorithms=algorithms)
    except jwt.PyJWTError:
        return False
    return claims.get(BODY_CLAIM) == body_digest(body)


def key_exists(session: Session, key_id: str) -> bool:
    return session.get(Key, key_id) is not None


def signer_for(session: Session, key_id: str) -> Callable[[bytes], str]:
    """A function signing bodies with key `key_id`, its material read now so that the HTTP
    call itself needs no database."""
    key = session.get(Key, key_id)
    if key is None:
        raise SigningKeyUnavailable(f"the signing key [{key_id}] does not exist")
    if key.algorithm not in HMAC_ALGORITHMS:
        raise SigningKeyUnavailable(f"the key [{key_id}] is not an HMAC key and cannot sign")
    material = keys.hmac_secret(key)
    algorithm, kid = key.algorithm, key.kid

    def signer(body: bytes) -> str:
        return sign(body, material, algorithm, kid)

    return signer
