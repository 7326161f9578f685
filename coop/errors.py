"""Typed errors that services raise; `coop.web` maps them to HTTP answers in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Something the person asked for cannot be done, for a reason we can tell them."""

    status = 400
    title = "That could not be done"

    def __init__(self, detail: str, *, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    title = "Not allowed"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class Invalid(DomainError):
    status = 422
    title = "Please check what you entered"


class TooManyAttempts(DomainError):
    status = 429
    title = "Too many attempts"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


def require(allowed: bool, *, hidden: bool = False, detail: str | None = None) -> None:
    """Refuse what the person may not do: NotFound when they may not even know the thing is
    there (`hidden`: ids and pages then leak nothing), Forbidden for an action on something they
    can see. `detail` says it in the domain's own words."""
    if allowed:
        return
    if hidden:
        raise NotFound(detail or "We could not find that page.")
    raise Forbidden(detail or "You may not do that.")
