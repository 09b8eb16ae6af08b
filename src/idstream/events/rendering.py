"""Events are rendered to JSON once, when recorded; every sink sends exactly those bytes."""

from __future__ import annotations

import json
from typing import Any


def drop_nulls(value: Any) -> Any:
    """FusionAuth leaves null fields out of its JSON; so do we, at every depth."""
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        drop_nulls(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def render_event(event: dict[str, Any]) -> bytes:
    """The envelope FusionAuth sends to webhooks and to Kafka: {"event": {...}}."""
    return canonical_json({"event": event})
