"""POST /api/user/search: FusionAuth's user search over the database. `queryString` matches
words of email, username and names (`*` alone, or nothing, matches every user); `ids` picks
users by id; numberOfResults/startRow page through the matches."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from idstream.db import escape_like
from idstream.errors import Errors, field_error
from idstream.jsondoc import check_type
from idstream.users.models import User

DEFAULT_RESULTS = 25
MAX_RESULTS = 10000
SORTABLE = {
    "email": User.email,
    "username": User.username,
    "insertInstant": User.insert_instant,
    "lastUpdateInstant": User.last_update_instant,
    "id": User.id,
}


def criteria_from_query(params: dict[str, Any]) -> dict[str, Any]:
    """GET /api/user/search takes the same criteria as URL parameters."""
    criteria: dict[str, Any] = {}
    if params.get("queryString") is not None:
        criteria["queryString"] = params["queryString"]
    if params.get("ids"):
        criteria["ids"] = list(params["ids"])
    for key in ("numberOfResults", "startRow"):
        if params.get(key) is not None:
            try:
                criteria[key] = int(params[key])
            except ValueError:
                raise field_error(key, "invalid", f"The [{key}] must be a number.") from None
    return criteria


def search(session: Session, criteria: Any, tenant_id: str | None) -> tuple[list[User], int]:
    if not isinstance(criteria, dict):
        raise field_error("search", "invalid", "The [search] field must be an object.")
    errors = Errors()
    query_string = check_type(errors, criteria, "queryString", "search.queryString", str)
    ids = check_type(errors, criteria, "ids", "search.ids", list)
    start_row = check_type(errors, criteria, "startRow", "search.startRow", int) or 0
    count = check_type(errors, criteria, "numberOfResults", "search.numberOfResults", int)
    sort_fields = check_type(errors, criteria, "sortFields", "search.sortFields", list) or []
    if criteria.get("query") is not None:
        errors.field(
            "search.query",
            "notSupported",
            "Elasticsearch queries are not supported; use [search.queryString] or [search.ids].",
        )
    clean_ids: list[str] = []
    for value in ids or []:
        try:
            clean_ids.append(str(uuid.UUID(str(value))))
        except ValueError:
            errors.field("search.ids", "invalid", f"[{value}] is not a valid UUID.")
    if start_row < 0:
        errors.field("search.startRow", "invalid", "The [search.startRow] cannot be negative.")
    order = _order(errors, sort_fields)
    errors.raise_if_any()
    count = min(max(count if count is not None else DEFAULT_RESULTS, 1), MAX_RESULTS)

    query = select(User)
    if tenant_id:
        query = query.where(User.tenant_id == tenant_id)
    if ids is not None:
        query = query.where(User.id.in_(clean_ids))
    for word in _words(query_string):
        query = query.where(User.search_text.like(f"%{word}%", escape="\\"))
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(query.order_by(*order).offset(start_row).limit(count))
    return list(rows), total


def _words(query_string: str | None) -> list[str]:
    words = []
    for raw in (query_string or "").lower().split():
        word = raw.strip("*")
        if not word:
            continue
        words.append(escape_like(word).replace("*", "%"))
    return words


def _order(errors: Errors, sort_fields: list[Any]) -> list[Any]:
    order: list[Any] = []
    for index, field in enumerate(sort_fields):
        path = f"search.sortFields[{index}]"
        name = field.get("name") if isinstance(field, dict) else None
        column = SORTABLE.get(str(name)) if name else None
        if column is None:
            errors.field(path, "invalid", f"Sort by one of {', '.join(SORTABLE)} in [{path}.name].")
            continue
        descending = str(field.get("order") or "asc").lower() == "desc"
        order.append(column.desc() if descending else column.asc())
    return [*order, User.insert_instant.asc(), User.id.asc()]
