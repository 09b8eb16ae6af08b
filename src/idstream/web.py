"""Request helpers shared by the API routers: JSON bodies, event info, JSON responses."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request, Response

from idstream.errors import ValidationFailed, general_error
from idstream.events.rendering import canonical_json


def empty_body_error() -> ValidationFailed:
    """FusionAuth's 400 for a request that needs a JSON object and came without one."""
    return general_error("invalidJSON", "The request body is empty; a JSON object is required.")


async def read_json(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 that says what was wrong with it."""
    limit: int = request.app.state.settings.max_body_bytes
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise general_error(
                "RequestTooLarge", f"The request body is larger than the limit of {limit} bytes."
            )
    if not body.strip():
        if required:
            raise empty_body_error()
        return {}
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise general_error(
            "invalidJSON", f"The request body is not valid JSON: {error}."
        ) from None
    if not isinstance(value, dict):
        raise general_error("invalidJSON", "The request body must be a JSON object.")
    return value


def client_event_info(request: Request, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """FusionAuth's event info: the caller's address and agent, merged with the request's
    own `eventInfo` (which wins, as a proxy-fronted caller knows the real user better)."""
    info: dict[str, Any] = {}
    if request.client:
        info["ipAddress"] = request.client.host
    agent = request.headers.get("user-agent")
    if agent:
        info["userAgent"] = agent
    supplied = (body or {}).get("eventInfo")
    if isinstance(supplied, dict):
        info.update({k: v for k, v in supplied.items() if v is not None})
    return info


def json_response(value: Any, status_code: int = 200) -> Response:
    return Response(canonical_json(value), status_code=status_code, media_type="application/json")


def empty_response(status_code: int) -> Response:
    return Response(status_code=status_code)
