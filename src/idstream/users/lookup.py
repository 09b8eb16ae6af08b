"""Finding users by login id; emails and usernames compare without case."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from idstream.users.models import User


def find_by_email(session: Session, tenant_id: str | None, email: str) -> User | None:
    return _one(session, tenant_id, User.email == email.strip().lower())


def find_by_username(session: Session, tenant_id: str | None, username: str) -> User | None:
    return _one(session, tenant_id, User.username == username.strip().lower())


def find_by_login_id(session: Session, tenant_id: str | None, login_id: str) -> User | None:
    key = login_id.strip().lower()
    return _one(session, tenant_id, or_(User.email == key, User.username == key))


def find_all(session: Session, tenant_id: str | None, condition: object) -> list[User]:
    query = select(User).where(condition)  # type: ignore[arg-type]
    if tenant_id:
        query = query.where(User.tenant_id == tenant_id)
    return list(session.scalars(query.limit(2)))


def _one(session: Session, tenant_id: str | None, condition: object) -> User | None:
    found = find_all(session, tenant_id, condition)
    return found[0] if len(found) == 1 else None
