from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from idstream.db import Base


class User(Base):
    """A user: indexed columns for lookups and uniqueness, FusionAuth's User object as a JSON
    document. The password hash lives only in its own column, never in the document."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email", name="uq_users_tenant_email"),
        UniqueConstraint("tenant_id", "username", name="uq_users_tenant_username"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    # Lower-cased: logins and uniqueness ignore case; the document keeps the spelling given.
    email: Mapped[str | None] = mapped_column(String(191))
    username: Mapped[str | None] = mapped_column(String(191))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Lower-cased email, username and names: what the user search matches.
    search_text: Mapped[str] = mapped_column(Text, default="")
    doc: Mapped[dict[str, Any]]
    insert_instant: Mapped[int] = mapped_column(BigInteger)
    last_update_instant: Mapped[int] = mapped_column(BigInteger)

    registrations: Mapped[list[Registration]] = relationship(
        back_populates="user",
        lazy="selectin",
        order_by="Registration.insert_instant",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Registration(Base):
    """A user's registration to an application, FusionAuth's UserRegistration as a document."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("user_id", "application_id", name="uq_registrations_user_application"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    doc: Mapped[dict[str, Any]]
    insert_instant: Mapped[int] = mapped_column(BigInteger)
    last_update_instant: Mapped[int] = mapped_column(BigInteger)

    user: Mapped[User] = relationship(back_populates="registrations")
