"""/api/integration (FusionAuth's Integrations API) and the Kafka integration's own endpoints:
test, status, replay, and the Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from idstream.api import JsonBody, OptionalJsonBody, api_read, api_transaction
from idstream.errors import Errors
from idstream.jsondoc import check_type
from idstream.kafka import config as kafka_config
from idstream.kafka import status as kafka_status
from idstream.kafka.test import run_test
from idstream.web import json_response

# The integrations are instance-wide: a tenant-scoped key neither reads nor changes them.
router = APIRouter()


@router.get("/api/integration")
def retrieve_integration(request: Request) -> Response:
    with api_read(request) as call:
        call.caller.require_global_key()
        return json_response(kafka_config.retrieve(call.session))


@router.put("/api/integration")
def update_integration(request: Request, body: JsonBody) -> Response:
    with api_transaction(request) as call:
        call.caller.require_global_key()
        return json_response(kafka_config.update(call.session, body, patch=False))


@router.patch("/api/integration")
def patch_integration(request: Request, body: JsonBody) -> Response:
    with api_transaction(request) as call:
        call.caller.require_global_key()
        return json_response(kafka_config.update(call.session, body, patch=True))


@router.post("/api/integration/kafka/test")
def send_test_event(request: Request, body: OptionalJsonBody) -> Response:
    """The saved configuration, or the unsaved one in the body (masked secrets are taken from
    the saved one), so that the UI can test before Save."""
    with api_read(request) as call:
        call.caller.require_global_key()
        errors = Errors()
        integrations = check_type(errors, body, "integrations", "integrations", dict)
        kafka_in = check_type(errors, integrations or {}, "kafka", "integrations.kafka", dict)
        errors.raise_if_any()
        settings = kafka_config.settings_for_test(call.session, kafka_in)
    # The network part runs after the database session is closed.
    result, status_code = run_test(settings)
    return json_response(result, status_code)


@router.get("/api/integration/kafka/status")
def kafka_status_endpoint(request: Request) -> Response:
    with api_read(request) as call:
        call.caller.require_global_key()
        return json_response({"status": kafka_status.status(call.session)})


@router.post("/api/integration/kafka/replay")
def kafka_replay(request: Request, body: JsonBody) -> Response:
    with api_transaction(request) as call:
        call.caller.require_global_key()
        return json_response(kafka_status.request_replay(call.session, body))


@router.get("/metrics")
def metrics(request: Request) -> Response:
    db = request.app.state.db
    with db.read() as session:
        text = kafka_status.metrics_text(session)
    return Response(text, media_type="text/plain; version=0.0.4; charset=utf-8")
