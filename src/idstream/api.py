"""What every API router shares: the JSON body, the caller, and the transaction to work in."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from idstream.auth.caller import Caller, authenticate
from idstream.db import Database
from idstream.errors import Errors, field_error
from idstream.jsondoc import check_type
from idstream.web import client_event_info, read_json


async def _json_body(request: Request) -> dict[str, Any]:
    return await read_json(request)


async def _optional_json_body(request: Request) -> dict[str, Any]:
    return await read_json(request, required=False)


JsonBody = Annotated[dict[str, Any], Depends(_json_body)]
OptionalJsonBody = Annotated[dict[str, Any], Depends(_optional_json_body)]


@dataclass
class ApiCall:
    session: Session
    caller: Caller
    request: Request

    def event_info(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return client_event_info(self.request, body)


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


@contextlib.contextmanager
def api_transaction(request: Request) -> Iterator[ApiCall]:
    """Authenticate, then run the change and its events in one transaction."""
    with database(request).unit_of_work() as session:
        yield ApiCall(session, authenticate(request, session), request)


@contextlib.contextmanager
def api_read(request: Request) -> Iterator[ApiCall]:
    with database(request).read() as session:
        yield ApiCall(session, authenticate(request, session), request)


def path_id(value: str | None, name: str) -> str | None:
    """A UUID from the URL, normalised; a malformed one is a 400 that names the segment."""
    if value is None:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise field_error(name, "invalid", f"[{value}] is not a valid UUID for [{name}].") from None


def search_from_body(body: dict[str, Any]) -> dict[str, Any]:
    """The {"search": {...}} criteria of a search request; none given, or not an object: {}."""
    criteria = body.get("search")
    return criteria if isinstance(criteria, dict) else {}


def search_from_query(request: Request, numeric: tuple[str, ...]) -> dict[str, Any]:
    """Search criteria given as URL parameters. The `numeric` ones become ints when they are
    whole numbers; anything else stays a string, for the criteria check to reject."""
    criteria: dict[str, Any] = dict(request.query_params)
    for key in numeric:
        if key in criteria and str(criteria[key]).lstrip("-").isdigit():
            criteria[key] = int(criteria[key])
    return criteria


def hard_delete_requested(body: dict[str, Any], query_flag: bool) -> bool:
    """FusionAuth's ?hardDelete=true, which a DELETE may also send as {"hardDelete": true}."""
    errors = Errors()
    in_body = check_type(errors, body, "hardDelete", "hardDelete", bool)
    errors.raise_if_any()
    return query_flag or bool(in_body)
