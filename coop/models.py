"""The platform's own records: accounts, roles, tokens, the audit and access logs, the outbox,
settings and sign-in throttling."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db import Base, UTCDateTime
from coop.db import sql_list as _in

ROLES = ("facilitator", "safeguarding_lead", "registered_manager", "secretary", "admin")
ROLE_LABELS = {
    "facilitator": "Facilitator",
    "safeguarding_lead": "Safeguarding lead",
    "registered_manager": "Registered manager",
    "secretary": "Secretary",
    "admin": "Admin",
}
TOKEN_SCOPES = ("read", "read-write")

# Ids are 64-bit everywhere, so that an id a URL accepts is one the database can hold.
Id = BigInteger().with_variant(Integer(), "sqlite")


class User(Base):
    __tablename__ = "user_account"
    __table_args__ = (Index("uq_user_account_email", "email", unique=True),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Bumped by a password change or "sign out everywhere": every session and remember-me
    # cookie made before then carries the old number and is refused.
    session_generation: Mapped[int] = mapped_column(Integer, default=0)

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    # Flask-Login's protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_generation}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username}>"


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (CheckConstraint(f"role IN ({_in(ROLES)})", name="role"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class Invitation(Base):
    """A single-use link to join the co-op with staff roles; only its digest is stored."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(120))
    roles: Mapped[list[str]] = mapped_column(JSON)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])


class PasswordReset(Base):
    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ApiToken(Base):
    """A personal API token: the token itself is shown once, only its SHA-256 digest is kept."""

    __tablename__ = "api_token"
    __table_args__ = (CheckConstraint(f"scope IN ({_in(TOKEN_SCOPES)})", name="scope"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class SignInFailure(Base):
    """One failed sign-in, kept in the database so that throttling holds across workers."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (
        Index("ix_sign_in_failure_account_at", "account", "at"),
        Index("ix_sign_in_failure_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """Who did what, to which object, when. `changes` holds ids, revision numbers and field
    names only: never private text."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_at", "at"),
        Index("ix_audit_event_object", "object_type", "object_id"),
        Index("ix_audit_event_actor_id", "actor_id"),
        Index("ix_audit_event_scope_at", "scope", "at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    acting_for_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Id)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Where the change belongs, e.g. "team:12", so that a team's history is one indexed query.
    scope: Mapped[str | None] = mapped_column(String(40))
    request_id: Mapped[str | None] = mapped_column(String(36))

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    acting_for: Mapped[User | None] = relationship(foreign_keys=[acting_for_id])


class AccessEvent(Base):
    """A read of someone's private records by a person outside their team."""

    __tablename__ = "access_event"
    __table_args__ = (Index("ix_access_event_subject_at", "subject_user_id", "at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reader_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    subject_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    what: Mapped[str] = mapped_column(String(80))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int | None] = mapped_column(Id)
    basis: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hold_reason: Mapped[str | None] = mapped_column(Text)
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    reader: Mapped[User] = relationship(foreign_keys=[reader_id])


class OutboxMessage(Base):
    """An e-mail waiting to go; the timed job sends it once."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_sent_at", "sent_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class JobLock(Base):
    """Who holds the timed job now: one row per lock, taken with a conditional update until
    `held_until`, so two ticks never overlap and a crashed one frees it when the lease ends."""

    __tablename__ = "job_lock"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(120))
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Setting(Base):
    """A co-op setting's chosen value; the default lives in the registry with its type."""

    __tablename__ = "setting"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class Notification(Base):
    """A message in someone's in-app inbox; the same words usually go by e-mail too."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_id_read_at", "user_id", "read_at"),
        Index("ix_notification_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # A path inside the app where the person can act on it.
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
