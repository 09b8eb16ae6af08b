"""Plain-JSON helpers shared by every feature: merge patches, typed field reads."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from idstream.errors import Errors, field_error


def merge_patch(target: Any, patch: Any) -> Any:
    """FusionAuth's PATCH: objects merge key by key, a null removes a key, anything else
    (lists included) replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def request_object(payload: dict[str, Any], name: str) -> dict[str, Any]:
    """The object a request wraps its subject in, e.g. payload["user"]; when it is missing or
    not an object, FusionAuth's 400 naming it."""
    value = payload.get(name)
    if not isinstance(value, dict):
        raise field_error(name, "missing", f"The request is missing the [{name}] object.")
    return value


def check_type(errors: Errors, doc: dict[str, Any], key: str, path: str, kind: type | tuple) -> Any:
    """Read doc[key] and record an [invalid] error naming `path` when it has the wrong JSON type."""
    value = doc.get(key)
    if value is None:
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    # JSON booleans are ints in Python; an int field must not take true/false.
    ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
    if not ok:
        names = " or ".join(_json_type_name(k) for k in kinds)
        errors.field(path, "invalid", f"The [{path}] field must be {names}.")
        return None
    return value


def check_uuid(errors: Errors, doc: dict[str, Any], key: str, path: str) -> str | None:
    value = doc.get(key)
    if value is None:
        return None
    if not is_uuid(value):
        errors.field(path, "invalid", f"The [{path}] field must be a valid UUID.")
        return None
    return str(uuid.UUID(value))


def _json_type_name(kind: type) -> str:
    return {
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        dict: "an object",
        list: "an array",
    }.get(kind, kind.__name__)
