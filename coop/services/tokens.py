"""Personal API tokens: random 32 bytes, shown once, kept only as a SHA-256 digest."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.errors import Invalid, NotFound
from coop.models import TOKEN_SCOPES, ApiToken, User
from coop.services import audit
from coop.services.accounts import digest

TOKEN_PREFIX = "cc_"


def create_token(
    session: Session, user: User, *, name: str, scope: str, now: datetime
) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns the record and the token itself, which is never stored
    and cannot be shown again. Raises Invalid. Audits `api_token.created` with its scope."""
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 80:
        errors["name"] = ["Give the token a name of up to 80 characters, e.g. what will use it."]
    if scope not in TOKEN_SCOPES:
        errors["scope"] = ["Choose read only, or read and write."]
    if errors:
        raise Invalid("The token was not made.", errors=errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, digest=digest(secret), scope=scope, created_at=now)
    session.add(token)
    session.flush()
    audit.record(
        session,
        user,
        "api_token.created",
        "api_token",
        token.id,
        now=now,
        changes={"scope": scope},
    )
    return token, secret


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def own_token(session: Session, user: User, token_id: int) -> ApiToken:
    """One of `user`'s own working tokens. Someone else's token is NotFound, as is a revoked one."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound("There is no such token.")
    return token


def revoke_token(session: Session, user: User, token_id: int, *, now: datetime) -> None:
    """Revoke one of `user`'s own tokens (NotFound otherwise). Audits `api_token.revoked`."""
    token = own_token(session, user, token_id)
    token.revoked_at = now
    session.flush()
    audit.record(session, user, "api_token.revoked", "api_token", token.id, now=now)


def user_for_token(session: Session, secret: str) -> tuple[User, ApiToken] | None:
    """The active account and token for a presented secret, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.digest == digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token.user, token
