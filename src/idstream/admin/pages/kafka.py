"""Settings → Integrations → Kafka: the brief's form (Enabled, Topic, producer `key=value`
lines), the Advanced extensions, "Send test event" on the unsaved form, Save, and a status
panel that refreshes itself."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from idstream.admin import audit_messages
from idstream.admin.web import (
    PREFIX,
    CheckedForm,
    CurrentAdmin,
    admin_read,
    admin_transaction,
    checked,
    database,
    page_router,
    raw_text,
    redirect,
    render,
    render_fragment,
    text,
)
from idstream.auditlog import service as audit
from idstream.errors import ValidationFailed
from idstream.events import catalogue
from idstream.kafka import config as kafka_config
from idstream.kafka import status as kafka_status
from idstream.kafka.propfile import parse_properties, to_text
from idstream.kafka.test import run_test

router = page_router()
PAGE = f"{PREFIX}/settings/integrations/kafka"
FIELD_PREFIX = "integrations.kafka."
# Form sections a service error path belongs to: the error is shown beside that section.
SECTIONS = (
    "producer",
    "topics",
    "eventsEnabled",
    "defaultTopic",
    "enabled",
    "key",
    "format",
    "tenantEventsRequireWebhook",
)


class FormProblems(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("the form has errors")
        self.errors = errors


def parse_lines(value: str, what: str) -> tuple[dict[str, str], list[str]]:
    """`key=value` lines (Java properties syntax, comments allowed) and any problems."""
    parsed = parse_properties(value)
    problems = [f"{what}: {problem}" for problem in parsed.errors]
    return dict(parsed.values), problems


def kafka_from_form(form: FormData) -> dict[str, Any]:
    """The integrations.kafka object the form describes; raises FormProblems for lines that
    are not `key=value`."""
    producer, producer_problems = parse_lines(raw_text(form, "producer"), "Producer")
    topics, topic_problems = parse_lines(raw_text(form, "topics"), "Topic routing")
    problems = {k: v for k, v in (("producer", producer_problems), ("topics", topic_problems)) if v}
    if problems:
        raise FormProblems(problems)
    return {
        "enabled": checked(form, "enabled"),
        "defaultTopic": text(form, "defaultTopic") or None,
        "producer": producer,
        "topics": topics,
        "key": text(form, "key") or "user",
        "format": text(form, "format") or "fusionauth",
        "eventsEnabled": {t.name: checked(form, f"event:{t.name}") for t in catalogue.ALL},
        "tenantEventsRequireWebhook": checked(form, "tenantEventsRequireWebhook"),
    }


def section_errors(error: ValidationFailed) -> dict[str, list[str]]:
    """Service errors grouped by the form section they concern."""
    grouped: dict[str, list[str]] = {}
    for path, items in error.field_errors.items():
        name = path[len(FIELD_PREFIX) :] if path.startswith(FIELD_PREFIX) else path
        section = next((s for s in SECTIONS if name == s or name.startswith(s + ".")), "general")
        grouped.setdefault(section, []).extend(item["message"] for item in items)
    for item in error.general_errors:
        grouped.setdefault("general", []).append(item["message"])
    return grouped


def _values(kafka: dict[str, Any]) -> dict[str, Any]:
    enabled = kafka.get("eventsEnabled") or {}
    return {
        "enabled": bool(kafka.get("enabled")),
        "defaultTopic": kafka.get("defaultTopic") or "",
        "producer": to_text(kafka.get("producer") or {}),
        "topics": to_text(kafka.get("topics") or {}),
        "key": kafka.get("key") or "user",
        "format": kafka.get("format") or "fusionauth",
        "eventsEnabled": {t.name: bool(enabled.get(t.name, True)) for t in catalogue.ALL},
        "tenantEventsRequireWebhook": bool(kafka.get("tenantEventsRequireWebhook")),
    }


def _values_from_form(form: FormData) -> dict[str, Any]:
    return {
        "enabled": checked(form, "enabled"),
        "defaultTopic": text(form, "defaultTopic"),
        "producer": raw_text(form, "producer"),
        "topics": raw_text(form, "topics"),
        "key": text(form, "key"),
        "format": text(form, "format"),
        "eventsEnabled": {t.name: checked(form, f"event:{t.name}") for t in catalogue.ALL},
        "tenantEventsRequireWebhook": checked(form, "tenantEventsRequireWebhook"),
    }


def _status(request: Request) -> dict[str, Any]:
    with database(request).read() as session:
        return kafka_status.status(session)


def _render(
    request: Request,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    notice: str | None = None,
    warnings: list[str] | None = None,
) -> Response:
    return render(
        request,
        "kafka.html",
        400 if errors else 200,
        title="Kafka",
        values=values,
        errors=errors or {},
        warnings=warnings or [],
        notice=notice,
        status=_status(request),
        system_events=catalogue.SYSTEM_EVENTS,
        tenant_events=catalogue.TENANT_EVENTS,
        key_modes=kafka_config.KEY_MODES,
        formats=kafka_config.FORMATS,
    )


@router.get("/settings/integrations/kafka")
def kafka_page(request: Request, admin: CurrentAdmin) -> Response:
    with admin_read(request, admin) as call:
        kafka = kafka_config.retrieve(call.session)["integrations"]["kafka"]
    return _render(request, _values(kafka), notice=request.query_params.get("notice"))


@router.post("/settings/integrations/kafka")
def save(request: Request, admin: CurrentAdmin, form: CheckedForm) -> Response:
    try:
        kafka = kafka_from_form(form)
        with admin_transaction(request, admin) as call:
            before = kafka_config.retrieve(call.session)["integrations"]["kafka"]
            saved = kafka_config.update(
                call.session, {"integrations": {"kafka": kafka}}, patch=True
            )["integrations"]["kafka"]
            warnings = saved.pop("warnings", [])
            audit.audit_change(
                call.session,
                call.caller,
                audit_messages.kafka_updated(),
                old_value=before,
                new_value=saved,
                info=call.event_info(),
            )
    except FormProblems as problems:
        return _render(request, _values_from_form(form), problems.errors)
    except ValidationFailed as error:
        return _render(request, _values_from_form(form), section_errors(error))
    if warnings:
        return _render(request, _values(saved), notice="Saved.", warnings=warnings)
    return redirect(f"{PAGE}?notice=Saved.")


@router.post("/settings/integrations/kafka/test")
def send_test_event(request: Request, admin: CurrentAdmin, form: CheckedForm) -> Response:
    """Tests what is on the form, unsaved: masked secrets are taken from the saved
    configuration, as the API's test does."""
    try:
        kafka = kafka_from_form(form)
    except FormProblems as problems:
        messages = [m for section in problems.errors.values() for m in section]
        return render_fragment(
            request,
            "kafka_test_result.html",
            400,
            title="Send test event",
            result={"status": 400, "message": "; ".join(messages), "steps": []},
        )
    with admin_read(request, admin) as call:
        settings = kafka_config.settings_for_test(call.session, kafka)
    result, status_code = run_test(settings)
    return render_fragment(
        request, "kafka_test_result.html", status_code, title="Send test event", result=result
    )


@router.get("/settings/integrations/kafka/status")
def status_panel(request: Request, admin: CurrentAdmin) -> Response:
    del admin
    return render(request, "kafka_status.html", status=_status(request))
