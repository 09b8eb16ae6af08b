"""The Kafka integration's configuration: FusionAuth's Integrations document (`enabled`,
`defaultTopic`, `producer`) plus idstream's routing extensions, stored in the settings table
under "integrations". Plain functions over a Session; nothing here touches the network."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from idstream import clock
from idstream.errors import Errors
from idstream.events import catalogue
from idstream.jsondoc import check_type, merge_patch
from idstream.kafka import properties
from idstream.kafka.secrets import mask_properties, restore_secrets, still_masked
from idstream.system.models import Setting

SETTING_NAME = "integrations"
KEY_MODES = ("user", "tenant", "none")
FORMATS = ("fusionauth", "cloudevents")
_TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
_PREFIX = "integrations.kafka"


def default_producer() -> dict[str, str]:
    return {
        "bootstrap.servers": "localhost:9092",
        "max.block.ms": "5000",
        "request.timeout.ms": "2000",
    }


def default_kafka() -> dict[str, Any]:
    return {
        "enabled": False,
        "defaultTopic": None,
        "producer": default_producer(),
        "topics": {},
        "key": "user",
        "format": "fusionauth",
        "eventsEnabled": {},
        "tenantEventsRequireWebhook": False,
    }


@dataclass(frozen=True)
class KafkaSettings:
    """The saved configuration as the relay and the test use it (secrets included)."""

    enabled: bool = False
    default_topic: str | None = None
    producer: dict[str, str] = field(default_factory=default_producer)
    topics: dict[str, str] = field(default_factory=dict)
    key: str = "user"
    format: str = "fusionauth"
    events_enabled: dict[str, bool] = field(default_factory=dict)
    tenant_events_require_webhook: bool = False

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything the producer is built from changes."""
        text = json.dumps(self.producer, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def event_enabled(self, type_name: str) -> bool:
        return self.events_enabled.get(type_name, True)

    def topic_for(self, type_name: str) -> str | None:
        """An exact type first, then the longest matching `prefix.*` pattern, else the default."""
        if type_name in self.topics:
            return self.topics[type_name]
        best: tuple[int, str] | None = None
        for pattern, topic in self.topics.items():
            matches = pattern.endswith(".*") and type_name.startswith(pattern[:-1])
            if matches and (best is None or len(pattern) > best[0]):
                best = (len(pattern), topic)
        return best[1] if best else self.default_topic


def _stored(session: Session, *, lock: bool = False) -> Setting | None:
    return session.get(Setting, SETTING_NAME, with_for_update=lock or None)


def _kafka_doc(setting: Setting | None) -> dict[str, Any]:
    doc = (setting.doc if setting else {}).get("kafka") or {}
    merged: dict[str, Any] = {**default_kafka(), **doc}
    return merged


def load(session: Session) -> KafkaSettings:
    doc = _kafka_doc(_stored(session))
    return KafkaSettings(
        enabled=bool(doc["enabled"]),
        default_topic=doc.get("defaultTopic"),
        producer={k: str(v) for k, v in (doc.get("producer") or {}).items()},
        topics=dict(doc.get("topics") or {}),
        key=doc.get("key") or "user",
        format=doc.get("format") or "fusionauth",
        events_enabled=dict(doc.get("eventsEnabled") or {}),
        tenant_events_require_webhook=bool(doc.get("tenantEventsRequireWebhook")),
    )


def settings_from_doc(kafka: dict[str, Any]) -> KafkaSettings:
    """An unsaved configuration (Send test event before Save), already validated."""
    doc = {**default_kafka(), **kafka}
    return KafkaSettings(
        enabled=bool(doc["enabled"]),
        default_topic=doc.get("defaultTopic"),
        producer={k: str(v) for k, v in (doc.get("producer") or {}).items()},
        topics=dict(doc.get("topics") or {}),
        key=doc["key"],
        format=doc["format"],
        events_enabled=dict(doc.get("eventsEnabled") or {}),
        tenant_events_require_webhook=bool(doc.get("tenantEventsRequireWebhook")),
    )


def to_json(kafka: dict[str, Any], warnings: list[str] | None = None) -> dict[str, Any]:
    """The kafka object as responses show it: secrets masked, every type in eventsEnabled."""
    shown = copy.deepcopy(kafka)
    shown["producer"] = mask_properties(shown.get("producer") or {})
    enabled = shown.get("eventsEnabled") or {}
    shown["eventsEnabled"] = {t.name: bool(enabled.get(t.name, True)) for t in catalogue.ALL}
    if warnings:
        shown["warnings"] = warnings
    return shown


def retrieve(session: Session) -> dict[str, Any]:
    setting = _stored(session)
    others = {k: v for k, v in (setting.doc if setting else {}).items() if k != "kafka"}
    return {"integrations": {**others, "kafka": to_json(_kafka_doc(setting))}}


def update(session: Session, body: dict[str, Any], *, patch: bool) -> dict[str, Any]:
    """PUT replaces the document, PATCH merges into it; everything is checked before anything
    is written, so a 400 saves nothing."""
    errors = Errors()
    integrations = check_type(errors, body, "integrations", "integrations", dict)
    if integrations is None and not errors:
        errors.field("integrations", "missing", "The [integrations] object is required.")
    errors.raise_if_any()
    assert integrations is not None
    setting = _stored(session, lock=True)
    current = setting.doc if setting else {}
    incoming = merge_patch(current, integrations) if patch else copy.deepcopy(integrations)
    kafka_in = incoming.get("kafka")
    if kafka_in is None:
        kafka_in = {}
    if not isinstance(kafka_in, dict):
        errors.field(_PREFIX, "invalid", f"The [{_PREFIX}] field must be an object.")
        errors.raise_if_any()
    stored_producer = _kafka_doc(setting)["producer"]
    kafka, warnings = validate(errors, kafka_in, stored_producer)
    errors.raise_if_any()
    now = clock.now_ms()
    doc = {**incoming, "kafka": kafka}
    if setting is None:
        session.add(Setting(name=SETTING_NAME, doc=doc, last_update_instant=now))
    else:
        setting.doc = doc
        setting.last_update_instant = now
    session.flush()
    others = {k: v for k, v in doc.items() if k != "kafka"}
    return {"integrations": {**others, "kafka": to_json(kafka, warnings)}}


def validate(
    errors: Errors, kafka_in: dict[str, Any], stored_producer: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The kafka object with defaults filled in and masked secrets restored; problems go to
    `errors` with FusionAuth's codes. Returns the document and the producer warnings."""
    kafka = {**default_kafka(), **kafka_in}
    enabled = check_type(errors, kafka, "enabled", f"{_PREFIX}.enabled", bool)
    topic = check_type(errors, kafka, "defaultTopic", f"{_PREFIX}.defaultTopic", str)
    if topic is not None and topic.strip() and not _TOPIC_NAME.match(topic):
        errors.field(f"{_PREFIX}.defaultTopic", "invalid", f"[{topic}] is not a Kafka topic name.")
    producer = check_type(errors, kafka, "producer", f"{_PREFIX}.producer", dict)
    warnings: list[str] = []
    if producer is not None:
        producer = restore_secrets(producer, stored_producer)
        kafka["producer"] = producer
        for key in still_masked(producer):
            errors.field(
                f"{_PREFIX}.producer.{key}",
                "invalid",
                f"[{key}] holds the mask of a secret that was never saved.",
            )
        translation = properties.translate(producer, properties.PRODUCER)
        for problem in translation.errors:
            errors.field(f"{_PREFIX}.producer.{problem.property}", "invalid", problem.message)
        warnings = [str(w) for w in translation.warnings]
    if enabled:
        if not (topic or "").strip():
            errors.field(
                f"{_PREFIX}.defaultTopic",
                "blank",
                "The [defaultTopic] is required when the Kafka integration is enabled.",
            )
        if producer is not None and not str(producer.get("bootstrap.servers") or "").strip():
            errors.field(
                f"{_PREFIX}.producer.bootstrap.servers",
                "blank",
                "[bootstrap.servers] is required when the Kafka integration is enabled.",
            )
    _validate_topics(errors, kafka)
    _validate_choice(errors, kafka, "key", KEY_MODES)
    _validate_choice(errors, kafka, "format", FORMATS)
    check_type(
        errors, kafka, "tenantEventsRequireWebhook", f"{_PREFIX}.tenantEventsRequireWebhook", bool
    )
    events = check_type(errors, kafka, "eventsEnabled", f"{_PREFIX}.eventsEnabled", dict) or {}
    for name, value in events.items():
        path = f"{_PREFIX}.eventsEnabled.{name}"
        if catalogue.lookup(name) is None:
            errors.field(path, "invalid", f"[{name}] is not an event type.")
        elif not isinstance(value, bool):
            errors.field(path, "invalid", f"The [{path}] field must be a boolean.")
    return kafka, warnings


def _validate_choice(errors: Errors, kafka: dict[str, Any], key: str, allowed: tuple) -> None:
    value = kafka.get(key)
    if value not in allowed:
        errors.field(
            f"{_PREFIX}.{key}",
            "invalid",
            f"[{key}] must be one of {', '.join(allowed)}; not [{value}].",
        )


def _validate_topics(errors: Errors, kafka: dict[str, Any]) -> None:
    topics = check_type(errors, kafka, "topics", f"{_PREFIX}.topics", dict)
    for pattern, topic in (topics or {}).items():
        path = f"{_PREFIX}.topics.{pattern}"
        if pattern.endswith(".*"):
            prefix = pattern[:-1]
            if not any(t.name.startswith(prefix) for t in catalogue.ALL):
                errors.field(path, "invalid", f"[{pattern}] matches no event type.")
        elif catalogue.lookup(pattern) is None:
            errors.field(
                path, "invalid", f"[{pattern}] is not an event type or a pattern like user.login.*."
            )
        if not isinstance(topic, str) or not _TOPIC_NAME.match(topic):
            errors.field(path, "invalid", f"[{topic}] is not a Kafka topic name.")


def settings_for_test(session: Session, unsaved: dict[str, Any] | None) -> KafkaSettings:
    """What "Send test event" tests: the saved configuration, or an unsaved one whose masked
    secrets are taken from the saved one. Property problems are not raised here: they are the
    test's first step, reported there with the others."""
    saved = load(session)
    if unsaved is None:
        return saved
    doc, _warnings = validate(Errors(), {**unsaved, "enabled": False}, saved.producer)
    return settings_from_doc(doc)
