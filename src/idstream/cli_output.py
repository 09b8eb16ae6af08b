"""How `kafka consume` and `events tail` print an event: the JSON on one line, the value as
is, or a one-line readable summary (time, type, tenant, user e-mail or message), coloured only
on a terminal."""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
import sys
from typing import Any

import typer


class Format(enum.StrEnum):
    pretty = "pretty"
    json = "json"
    raw = "raw"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def choose(given: Format | None) -> Format:
    """Pretty for a person at a terminal, JSON lines for a pipe or a file."""
    if given is not None:
        return given
    return Format.pretty if sys.stdout.isatty() else Format.json


def instant(epoch_ms: int | None) -> str:
    if epoch_ms is None:
        return "-"
    moment = dt.datetime.fromtimestamp(epoch_ms / 1000, tz=dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse(value: bytes | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return _NOT_JSON


_NOT_JSON = object()


def json_line(value: bytes | None) -> str:
    """The value as one line of JSON; a value that is not JSON becomes a JSON string."""
    parsed = _parse(value)
    if parsed is _NOT_JSON:
        assert value is not None
        return json.dumps(value.decode("utf-8", "replace"), ensure_ascii=False)
    return json.dumps(parsed, ensure_ascii=False, separators=(",", ":"))


def _event(parsed: Any) -> dict[str, Any] | None:
    """FusionAuth's `{"event": {...}}` envelope, or a bare event such as the test message."""
    if isinstance(parsed, dict) and isinstance(parsed.get("event"), dict):
        return parsed["event"]
    return parsed if isinstance(parsed, dict) else None


def _text(value: Any, limit: int = 160) -> str:
    """First line only, control characters removed: event data is user input and must not
    drive the terminal."""
    first = str(value).strip().splitlines()[0] if str(value).strip() else ""
    first = _CONTROL.sub("", first)
    return first if len(first) <= limit else first[: limit - 1] + "…"


def _detail(event: dict[str, Any]) -> str:
    user = event.get("user")
    if isinstance(user, dict) and (user.get("email") or user.get("username")):
        return str(user.get("email") or user.get("username"))
    for key in ("auditLog", "eventLog"):
        entry = event.get(key)
        if isinstance(entry, dict) and entry.get("message"):
            return str(entry["message"])
    if event.get("message"):
        return str(event["message"])
    return str(event.get("userId") or "")


def summary(value: bytes | None, timestamp_ms: int | None, color: bool) -> str:
    parsed = _parse(value)
    event = _event(parsed) if parsed is not _NOT_JSON else None
    if event is None:
        shown = "(empty)" if value is None else _text(value.decode("utf-8", "replace"))
        return f"{_style(instant(timestamp_ms), color, dim=True)}  (not an event) {shown}"
    created = event.get("createInstant")
    when = instant(created if isinstance(created, int) else timestamp_ms)
    parts = [
        _style(when, color, dim=True),
        _style(_text(event.get("type") or "?", 64), color, fg=typer.colors.CYAN, bold=True),
    ]
    if event.get("tenantId"):
        parts.append(_style(f"tenant {_text(event['tenantId'], 64)}", color, fg=typer.colors.BLUE))
    detail = _text(_detail(event))
    if detail:
        parts.append(detail)
    return "  ".join(parts)


def _style(text: str, color: bool, **style: Any) -> str:
    return typer.style(text, **style) if color else text


def write_line(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def write_raw(value: bytes | None) -> None:
    sys.stdout.buffer.write((value or b"") + b"\n")
    sys.stdout.buffer.flush()


def show(fmt: Format, value: bytes | None, timestamp_ms: int | None) -> None:
    """Print one record or stored event in the chosen format."""
    if fmt is Format.raw:
        write_raw(value)
    elif fmt is Format.json:
        write_line(json_line(value))
    else:
        write_line(summary(value, timestamp_ms, sys.stdout.isatty()))
