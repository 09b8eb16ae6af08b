"""Secrets in producer properties: masked wherever properties are shown (API responses, admin
pages, CLI output, logs), and restored when a masked value comes back in an update."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from idstream.kafka import jaas
from idstream.kafka.java_catalogue import SECRET_PROPERTIES

MASK = "********"
_SECRET_WORDS = ("password", "secret")

# option=value inside a JAAS line, the value single-, double- or un-quoted.
_JAAS_OPTION = re.compile(
    r"""(?P<name>[A-Za-z0-9_.\-]+)(?P<eq>\s*=\s*)"""
    r"""(?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s;"']+)"""
)


def is_secret(key: str) -> bool:
    lowered = key.lower()
    return key in SECRET_PROPERTIES or any(word in lowered for word in _SECRET_WORDS)


def _is_secret_option(name: str) -> bool:
    return name in jaas.SECRET_OPTIONS or any(word in name.lower() for word in _SECRET_WORDS)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def mask_jaas(line: str) -> str:
    """The line with each secret option's value replaced by the mask, quotes kept."""

    def replace(match: re.Match[str]) -> str:
        if not _is_secret_option(match.group("name")):
            return match.group(0)
        value = match.group("value")
        quote = value[0] if value[0] in "'\"" else ""
        return f"{match.group('name')}{match.group('eq')}{quote}{MASK}{quote}"

    return _JAAS_OPTION.sub(replace, line)


def _jaas_secrets(line: str) -> dict[str, str]:
    return {
        match.group("name"): match.group("value")
        for match in _JAAS_OPTION.finditer(line)
        if _is_secret_option(match.group("name"))
    }


def _restore_jaas(line: str, stored: str) -> str:
    old = _jaas_secrets(stored)

    def replace(match: re.Match[str]) -> str:
        name, value = match.group("name"), match.group("value")
        if _is_secret_option(name) and _unquote(value) == MASK and name in old:
            return f"{name}{match.group('eq')}{old[name]}"
        return match.group(0)

    return _JAAS_OPTION.sub(replace, line)


def mask_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    masked: dict[str, Any] = {}
    for key, value in properties.items():
        if key == "sasl.jaas.config" and isinstance(value, str):
            masked[key] = mask_jaas(value)
        elif is_secret(key) and value not in (None, ""):
            masked[key] = MASK
        else:
            masked[key] = value
    return masked


def restore_secrets(new: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
    """`new` with every masked value put back from `stored`: a client that read masked
    properties and sends them back unchanged keeps the secrets it never saw."""
    restored: dict[str, Any] = {}
    for key, value in new.items():
        old = stored.get(key)
        if key == "sasl.jaas.config" and isinstance(value, str) and isinstance(old, str):
            restored[key] = _restore_jaas(value, old)
        elif is_secret(key) and value == MASK and old is not None:
            restored[key] = old
        else:
            restored[key] = value
    return restored


def still_masked(properties: Mapping[str, Any]) -> list[str]:
    """Keys whose value is still the mask after restore_secrets: a secret that was never
    stored, which must not be saved as the literal mask."""
    found = []
    for key, value in properties.items():
        if key == "sasl.jaas.config" and isinstance(value, str):
            if any(_unquote(v) == MASK for v in _jaas_secrets(value).values()):
                found.append(key)
        elif is_secret(key) and value == MASK:
            found.append(key)
    return found
