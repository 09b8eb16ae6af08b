"""/api/api-key: FusionAuth's API Key API. Managing keys takes an unrestricted or key-manager
key; a tenant-scoped manager manages keys of its own tenant only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from idstream.api import ApiCall, JsonBody, api_read, api_transaction, path_id
from idstream.auth import apikeys
from idstream.errors import Unauthorized, field_error
from idstream.jsondoc import request_object
from idstream.web import empty_response, json_response

router = APIRouter()


def _require_manager(call: ApiCall) -> None:
    if call.caller.endpoints and not call.caller.key_manager:
        raise Unauthorized()


def _api_key_object(body: dict[str, Any], call: ApiCall) -> dict[str, Any]:
    api_key = request_object(body, "apiKey")
    if call.caller.is_tenant_scoped:
        call.caller.check_tenant(api_key.get("tenantId") or call.caller.tenant_id)
        api_key = {**api_key, "tenantId": call.caller.tenant_id}
    return api_key


@router.post("/api/api-key")
@router.post("/api/api-key/{key_id}")
def create_api_key(request: Request, body: JsonBody, key_id: str | None = None) -> Response:
    with api_transaction(request) as call:
        _require_manager(call)
        key, raw = apikeys.create(
            call.session, _api_key_object(body, call), path_id(key_id, "keyId")
        )
        return json_response({"apiKey": apikeys.to_json(key, raw)})


@router.get("/api/api-key")
def list_api_keys(request: Request) -> Response:
    with api_read(request) as call:
        _require_manager(call)
        keys = apikeys.list_all(call.session, call.caller.tenant_id)
        return json_response({"apiKeys": [apikeys.to_json(k) for k in keys]})


@router.get("/api/api-key/{key_id}")
def retrieve_api_key(request: Request, key_id: str) -> Response:
    with api_read(request) as call:
        _require_manager(call)
        key = apikeys.get(call.session, path_id(key_id, "keyId") or "")
        call.caller.visible(key.tenant_id)
        return json_response({"apiKey": apikeys.to_json(key)})


@router.put("/api/api-key/{key_id}")
@router.patch("/api/api-key/{key_id}")
def update_api_key(request: Request, body: JsonBody, key_id: str) -> Response:
    with api_transaction(request) as call:
        _require_manager(call)
        key = apikeys.get(call.session, path_id(key_id, "keyId") or "")
        call.caller.visible(key.tenant_id)
        apikeys.update(call.session, key, _api_key_object(body, call))
        return json_response({"apiKey": apikeys.to_json(key)})


@router.delete("/api/api-key/{key_id}")
def delete_api_key(request: Request, key_id: str) -> Response:
    with api_transaction(request) as call:
        _require_manager(call)
        key = apikeys.get(call.session, path_id(key_id, "keyId") or "")
        call.caller.visible(key.tenant_id)
        if key.id == call.caller.key_id:
            raise field_error("keyId", "invalid", "An API key cannot delete itself.")
        apikeys.delete(call.session, key)
        return empty_response(200)
