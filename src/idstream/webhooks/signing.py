"""X-FusionAuth-Signature-JWT: a JWT, signed with the webhook's key (kid in its header), whose
claim request_body_sha256 is the base64 SHA-256 of the exact body sent."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

import jwt
from sqlalchemy.orm import Session

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


def _field(key: Any, name: str) -> Any:
    value = getattr(key, name, None)
    if value is None and isinstance(getattr(key, "doc", None), dict):
        value = key.doc.get(name)
    return value


def key_exists(session: Session, key_id: str) -> bool:
    try:
        from idstream.keys import service as keys
    except ImportError:
        return False
    try:
        return keys.get(session, key_id) is not None
    except Exception:  # the keys service raises NotFound for an unknown id
        return False


def signer_for(session: Session, key_id: str) -> Callable[[bytes], str]:
    """A function signing bodies with key `key_id`, its material read now so that the HTTP
    call itself needs no database."""
    try:
        from idstream.keys import service as keys
    except ImportError as error:
        raise SigningKeyUnavailable("signing keys are not available") from error
    try:
        key = keys.get(session, key_id)
    except Exception as error:
        raise SigningKeyUnavailable(f"the signing key [{key_id}] does not exist") from error
    if key is None:
        raise SigningKeyUnavailable(f"the signing key [{key_id}] does not exist")
    algorithm = str(_field(key, "algorithm") or "HS256")
    kid = str(_field(key, "kid") or key_id)
    material: Any
    if algorithm in HMAC_ALGORITHMS:
        material = keys.hmac_secret(key)
    else:
        private_key = getattr(keys, "private_key", None)
        material = private_key(key) if callable(private_key) else _field(key, "privateKey")
    if not material:
        raise SigningKeyUnavailable(f"the key [{key_id}] has no private part to sign with")

    def signer(body: bytes) -> str:
        return sign(body, material, algorithm, kid)

    return signer
