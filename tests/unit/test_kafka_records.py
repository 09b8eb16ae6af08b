"""What a stored event becomes on a topic (keys, headers, CloudEvents) and where it goes."""

from __future__ import annotations

import json

import pytest

from idstream.events import catalogue
from idstream.events.rendering import render_event
from idstream.events.store import StoredEvent
from idstream.kafka.config import KafkaSettings
from idstream.kafka.jaas import JaasError, parse
from idstream.kafka.records import event_object, record_for

TENANT = "2671a63f-084c-4434-9465-fde65b8845ee"
USER = "7e512f97-79f7-42e5-891f-a2383ed3460c"


def stored(user_id: str | None = USER, tenant_id: str | None = TENANT) -> StoredEvent:
    body = {
        "createInstant": 1667834917903,
        "id": "0c11627f-9461-4a00-8156-00ff6c3d68d3",
        "tenantId": tenant_id,
        "type": "user.create",
        "user": {"id": user_id},
    }
    return StoredEvent(
        sequence=1,
        id=body["id"],
        type="user.create",
        tenant_id=tenant_id,
        user_id=user_id,
        create_instant=body["createInstant"],
        payload=render_event(body),
    )


def test_event_object_is_the_envelope_content() -> None:
    event = stored()
    assert json.loads(event_object(event.payload)) == json.loads(event.payload)["event"]


def test_cloudevents_time_is_rfc3339_utc() -> None:
    headers = dict(record_for(stored(), "user", "cloudevents").headers)
    assert headers["ce_time"] == b"2022-11-07T15:28:37.903Z"
    assert headers["ce_subject"] == USER.encode()


def test_fusionauth_format_sends_the_stored_bytes() -> None:
    event = stored()
    assert record_for(event, "user", "fusionauth").value == event.payload


@pytest.mark.parametrize(
    ("type_name", "topic"),
    [
        ("user.login.success", "logins"),
        ("user.login.failed", "failures"),
        ("user.create", "creates"),
        ("user.update", "default"),
    ],
)
def test_exact_types_win_then_the_longest_prefix_then_the_default(
    type_name: str, topic: str
) -> None:
    settings = KafkaSettings(
        default_topic="default",
        topics={
            "user.*": "creates-or-others",
            "user.login.*": "logins",
            "user.login.failed": "failures",
            "user.create": "creates",
        },
    )
    expected = "creates-or-others" if topic == "default" else topic
    assert settings.topic_for(type_name) == expected


def test_events_enabled_defaults_to_all() -> None:
    settings = KafkaSettings(events_enabled={"user.update": False})
    assert settings.event_enabled(catalogue.USER_CREATE.name)
    assert not settings.event_enabled(catalogue.USER_UPDATE.name)


@pytest.mark.parametrize(
    "line",
    [
        "required username='a';",
        "org.x.PlainLoginModule username='a';",
        "org.x.PlainLoginModule required username;",
        "a required; b required;",
    ],
)
def test_malformed_jaas_lines_are_rejected(line: str) -> None:
    with pytest.raises(JaasError):
        parse(line)
