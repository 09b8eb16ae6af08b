"""/api/email/template: FusionAuth's Email Template API."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from idstream.api import JsonBody, api_read, api_transaction, path_id
from idstream.email import service
from idstream.web import empty_response, json_response

router = APIRouter()


@router.post("/api/email/template")
@router.post("/api/email/template/{template_id}")
def create_template(request: Request, body: JsonBody, template_id: str | None = None) -> Response:
    with api_transaction(request) as call:
        # Templates are shared by every tenant: a tenant-scoped key may use, not change them.
        call.caller.require_global_key()
        template = service.create(call.session, body, path_id(template_id, "emailTemplateId"))
        return json_response({"emailTemplate": service.to_json(template)})


@router.get("/api/email/template")
def list_templates(request: Request) -> Response:
    with api_read(request) as call:
        templates = service.list_all(call.session)
        return json_response({"emailTemplates": [service.to_json(t) for t in templates]})


@router.get("/api/email/template/{template_id}")
def retrieve_template(request: Request, template_id: str) -> Response:
    with api_read(request) as call:
        template = service.get(call.session, path_id(template_id, "emailTemplateId") or "")
        return json_response({"emailTemplate": service.to_json(template)})


@router.put("/api/email/template/{template_id}")
def update_template(request: Request, body: JsonBody, template_id: str) -> Response:
    return _update(request, body, template_id, patch=False)


@router.patch("/api/email/template/{template_id}")
def patch_template(request: Request, body: JsonBody, template_id: str) -> Response:
    return _update(request, body, template_id, patch=True)


def _update(request: Request, body: dict, template_id: str, *, patch: bool) -> Response:
    with api_transaction(request) as call:
        call.caller.require_global_key()
        template = service.get(call.session, path_id(template_id, "emailTemplateId") or "")
        service.update(call.session, template, body, patch=patch)
        return json_response({"emailTemplate": service.to_json(template)})


@router.delete("/api/email/template/{template_id}")
def delete_template(request: Request, template_id: str) -> Response:
    with api_transaction(request) as call:
        call.caller.require_global_key()
        template = service.get(call.session, path_id(template_id, "emailTemplateId") or "")
        service.delete(call.session, template)
        return empty_response(200)
