"""Pure functions of the foundation: merge patches, rendering, the catalogue, key scopes."""

from __future__ import annotations

import json

from idstream.auth.caller import endpoint_allowed
from idstream.events import catalogue
from idstream.events.rendering import render_event
from idstream.jsondoc import merge_patch


def test_merge_patch_merges_objects_and_replaces_lists() -> None:
    target = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    assert merge_patch(target, {"a": {"c": [3]}, "e": 2}) == {
        "a": {"b": 1, "c": [3]},
        "d": 1,
        "e": 2,
    }


def test_merge_patch_null_removes_and_leaves_target_untouched() -> None:
    target = {"a": {"b": 1}, "d": 1}
    assert merge_patch(target, {"a": {"b": None}, "d": None}) == {"a": {}}
    assert target == {"a": {"b": 1}, "d": 1}


def test_rendered_event_is_sorted_compact_without_nulls() -> None:
    payload = render_event(
        {"type": "user.create", "id": "x", "info": None, "user": {"b": 1, "a": None}}
    )
    assert payload == b'{"event":{"id":"x","type":"user.create","user":{"b":1}}}'
    assert json.loads(payload)["event"]["type"] == "user.create"


def test_catalogue_knows_scopes_and_transactionality() -> None:
    assert catalogue.lookup("audit-log.create") is catalogue.AUDIT_LOG_CREATE
    assert not catalogue.AUDIT_LOG_CREATE.is_tenant_event
    assert catalogue.USER_CREATE.is_tenant_event and catalogue.USER_CREATE.transactional
    assert not catalogue.USER_CREATE_COMPLETE.transactional
    assert not catalogue.USER_PASSWORD_UPDATE.transactional
    assert catalogue.lookup("test") is None


def test_endpoint_limits_match_prefix_and_method() -> None:
    endpoints = {"/api/user": ["GET", "POST"]}
    assert endpoint_allowed({}, "/api/tenant", "DELETE")
    assert endpoint_allowed(endpoints, "/api/user", "POST")
    assert endpoint_allowed(endpoints, "/api/user/123", "GET")
    assert not endpoint_allowed(endpoints, "/api/user/123", "DELETE")
    assert not endpoint_allowed(endpoints, "/api/users", "GET")
    assert not endpoint_allowed(endpoints, "/api/tenant", "GET")
