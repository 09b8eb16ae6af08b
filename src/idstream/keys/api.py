"""/api/key: generate, retrieve and delete signing keys (HMAC only). A key's secret is shown
once, in the response that generated it, and never again."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from idstream.api import JsonBody, OptionalJsonBody, api_read, api_transaction, path_id
from idstream.keys import service
from idstream.web import empty_response, json_response

router = APIRouter()


@router.post("/api/key/generate")
@router.post("/api/key/generate/{key_id}")
def generate_key(request: Request, body: JsonBody, key_id: str | None = None) -> Response:
    with api_transaction(request) as call:
        call.caller.require_global_key()
        key = service.generate(
            call.session,
            body,
            path_id(key_id, "keyId"),
            caller=call.caller,
            info=call.event_info(body),
        )
        return json_response({"key": service.to_json(key, with_secret=True)})


@router.get("/api/key")
def list_keys(request: Request) -> Response:
    with api_read(request) as call:
        call.caller.require_global_key()
        return json_response({"keys": [service.to_json(k) for k in service.list_all(call.session)]})


@router.get("/api/key/{key_id}")
def retrieve_key(request: Request, key_id: str) -> Response:
    with api_read(request) as call:
        call.caller.require_global_key()
        key = service.get(call.session, path_id(key_id, "keyId") or "")
        return json_response({"key": service.to_json(key)})


@router.delete("/api/key/{key_id}")
def delete_key(request: Request, body: OptionalJsonBody, key_id: str) -> Response:
    with api_transaction(request) as call:
        call.caller.require_global_key()
        key = service.get(call.session, path_id(key_id, "keyId") or "")
        service.delete(call.session, key, caller=call.caller, info=call.event_info(body))
        return empty_response(200)
