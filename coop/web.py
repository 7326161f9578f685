"""The request cycle: one transaction per request, sign-in by cookie or API token, CSRF,
security headers, and errors answered as problem+json under /api/ and as HTML pages elsewhere."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import Token
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import (
    Flask,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.ctx import AppContext, _sentinel
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException, Unauthorized
from werkzeug.routing import BaseConverter, ValidationError
from werkzeug.wrappers import Response as BaseResponse

from coop import extension
from coop.db import READ_ONLY_METHODS, current_session, discard_session
from coop.errors import DomainError, Forbidden
from coop.extension import Carecoop
from coop.models import User
from coop.services import audit, tokens

F = TypeVar("F", bound=Callable[..., Any])

MAX_ID = 2**63 - 1
MAX_ATTEMPTS = 3
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
CONFLICT_SQLSTATES = frozenset({"23P01", "23505"})
PROBLEM_JSON = "application/problem+json"
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9-]{8,36}$")

log = logging.getLogger(__name__)


def _numbers_up_to(limit: int) -> str:
    """A regex for the whole numbers from 1 to `limit`, written without leading zeros."""
    digits = str(limit)
    alternatives = [rf"[1-9]\d{{0,{len(digits) - 2}}}", digits]
    for i, digit in enumerate(digits):
        lowest = 1 if i == 0 else 0
        if int(digit) > lowest:
            alternatives.append(
                rf"{digits[:i]}[{lowest}-{int(digit) - 1}]\d{{{len(digits) - i - 1}}}"
            )
    return "(?:" + "|".join(alternatives) + ")"


class IdConverter(BaseConverter):
    """A database id: digits only, within the 64-bit range. Anything else matches no route,
    so it is a 404 (whatever the method) before it reaches the database. The range is in the
    regex because Werkzeug checks the method before it converts: an id refused only by
    `to_python` would be a 405 on a path that does not take GET."""

    regex = _numbers_up_to(MAX_ID)

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID or number < 1:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


class CarecoopAppContext(AppContext):
    """Flask's app context, which also makes the app's own (`coop.extension`) current while it
    is pushed, and puts back the one before when it is popped."""

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        self._carecoop_tokens: list[Token[Carecoop]] = []

    def push(self) -> None:
        self._carecoop_tokens.append(extension.activate(extension.of(self.app)))
        super().push()

    def pop(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        try:
            super().pop(exc)
        finally:
            extension.deactivate(self._carecoop_tokens.pop())


class CarecoopFlask(Flask):
    def app_context(self) -> AppContext:
        return CarecoopAppContext(self)

    def dispatch_request(self) -> BaseResponse:
        """Run the view, then commit its transaction once; roll back on error. A deadlock or
        serialization failure is retried, up to three attempts in all."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.make_response(super().dispatch_request())
                session = g.get("db_session")
                if session is not None:
                    if response.status_code < 400:
                        session.commit()
                    else:
                        session.rollback()
                return response
            except DBAPIError as exc:
                if _sqlstate(exc) in RETRYABLE_SQLSTATES and attempt < MAX_ATTEMPTS:
                    _rollback()
                    continue
                raise


def writes(view: F) -> F:
    """Mark a view that writes even on GET (e.g. a read of private records that logs an
    AccessEvent), so that its transaction begins as a write transaction."""
    view._carecoop_writes = True  # type: ignore[attr-defined]
    return view


def signed_in_user() -> User:
    """The signed-in person as the User row (not Flask-Login's proxy), for views behind
    `login_required` to hand to the services."""
    user: User = current_user._get_current_object()
    return user


def now() -> datetime:
    """The app's time: what every view, API call, command and timed job calls "now". The real
    clock (UTC), unless the configuration sets `CARECOOP_CLOCK` (the tests' clock)."""
    clock: Callable[[], datetime] | None = current_app.config.get("CARECOOP_CLOCK")
    # The one place in the packages that reads the real clock (tests/test_architecture.py).
    return clock() if clock is not None else datetime.now(UTC)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def client_address() -> str:
    return request.remote_addr or "unknown"


def _sqlstate(exc: BaseException) -> str | None:
    return getattr(getattr(exc, "orig", None), "sqlstate", None)


def _rollback() -> None:
    session = g.get("db_session")
    if session is not None:
        session.rollback()


# Sign-in ----------------------------------------------------------------------------------------


def _load_user(user_id: str) -> User | None:
    """Load the user named by the session or remember-me cookie, refusing stale generations."""
    uid, sep, generation = user_id.partition(":")
    if not sep or not uid.isdigit() or not generation.isdigit() or int(uid) > MAX_ID:
        return None
    user = current_session().get(User, int(uid))
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    return user


def _unauthorized() -> BaseResponse:
    if is_api_request():
        raise Unauthorized("Sign in, or send a personal API token as `Authorization: Bearer ...`.")
    flash("Please sign in to see that page.", "info")
    return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))


def _before_request() -> None:
    g.started = time.perf_counter()
    rid = request.headers.get("X-Request-Id", "")
    g.request_id = rid if REQUEST_ID_RE.match(rid) else str(uuid.uuid4())
    g.request_id_token = audit.request_id.set(g.request_id)
    if request.routing_exception is not None:
        return  # a 404 or 405 answers first; there is nothing to sign in to or protect
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "_carecoop_writes", False):
        g.db_writing = True
    _authenticate_api_token()
    # An API request from nobody signed in at all gets the API's 401, which says more than
    # "this form expired"; everyone else's writes need the CSRF token unless they use a token.
    anonymous_api = is_api_request() and not current_user.is_authenticated
    if request.method not in READ_ONLY_METHODS and not g.get("api_token") and not anonymous_api:
        current_app.extensions["csrf"].protect()


def _authenticate_api_token() -> None:
    """Sign in an API request by its bearer token. Tokens work only under /api/: a token never
    reaches a page. A read-only token cannot write."""
    header = request.headers.get("Authorization")
    if not header or not is_api_request():
        return
    scheme, _, secret = header.partition(" ")
    found = (
        tokens.user_for_token(current_session(), secret.strip())
        if scheme.lower() == "bearer"
        else None
    )
    if found is None:
        raise Unauthorized("That API token is not valid. It may have been revoked.")
    user, token = found
    g._login_user = user  # what Flask-Login's current_user reads
    g.api_token = token
    if token.scope == "read" and request.method not in READ_ONLY_METHODS:
        raise Forbidden("This token can only read. Make a read-and-write token to change things.")


def _after_request(response: BaseResponse) -> BaseResponse:
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if "request_id" in g:
        headers["X-Request-Id"] = g.request_id
    if "started" in g:
        ms = round((time.perf_counter() - g.started) * 1000, 1)
        log.info(
            "%s %s %s %.1f ms",
            request.method,
            request.path,
            response.status_code,
            ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": ms,
            },
        )
    if current_user and current_user.is_authenticated and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    return response


def _teardown(_exc: BaseException | None) -> None:
    discard_session()
    token = g.pop("request_id_token", None)
    if token is not None:
        audit.request_id.reset(token)


# Errors -------------------------------------------------------------------------------------------

PLAIN_TITLES = {
    400: "Something was wrong with that request",
    401: "Please sign in",
    403: "Not allowed",
    404: "Page not found",
    405: "That cannot be done here",
    409: "Conflict",
    413: "That is too large",
    422: "Please check what you entered",
    429: "Too many attempts",
    500: "Something went wrong on our side",
    503: "Carecoop is busy",
}
PLAIN_DETAILS = {
    404: "We could not find that page. It may have moved, or you may not have access to it.",
    500: "Sorry: something went wrong on our side and nothing was changed. Please try again; "
    "if it keeps happening, tell your facilitator.",
    503: "Carecoop is very busy just now and nothing was changed. Please wait a moment and try again.",
}


def error_response(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> BaseResponse:
    """The one place an error becomes an answer: problem+json (RFC 9457) under /api/, an
    accessible HTML page elsewhere."""
    _rollback()
    title = title or PLAIN_TITLES.get(status, "Something went wrong")
    detail = detail or PLAIN_DETAILS.get(status, title)
    response: BaseResponse
    if is_api_request():
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
        }
        if errors:
            body["errors"] = errors
        response = current_app.response_class(
            current_app.json.dumps(body), status=status, mimetype=PROBLEM_JSON
        )
    else:
        # A busy database cannot load who is signed in: show the page without the menu.
        minimal = status == 503
        g.db_unavailable = True  # the error page runs no query of its own
        response = Response(
            render_template(
                "error.html",
                status=status,
                title=title,
                detail=detail,
                errors=errors or {},
                minimal=minimal,
            ),
            status=status,
        )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _handle_domain_error(exc: DomainError) -> BaseResponse:
    headers = {}
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return error_response(
        exc.status, exc.detail, title=exc.title, errors=exc.errors, headers=headers
    )


def _handle_http_error(exc: HTTPException) -> BaseResponse:
    status = exc.code or 500
    headers = {
        k: v
        for k, v in exc.get_headers()
        if k.lower() in ("allow", "retry-after", "www-authenticate")
    }
    detail = None
    if isinstance(exc, CSRFError):
        detail = (
            "This form had expired, so nothing was saved. Please go back, reload the page "
            "and try again."
        )
    elif status not in PLAIN_DETAILS and exc.description and "://" not in exc.description:
        detail = exc.description
    errors = None
    data = getattr(exc, "data", None)  # webargs puts field errors here
    if isinstance(data, dict) and isinstance(data.get("messages"), dict):
        errors = _flatten_messages(data["messages"])
        detail = "Please check the fields listed in errors."
        status = 422
    return error_response(status, detail, errors=errors, headers=headers)


def _flatten_messages(messages: dict[str, Any]) -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    for location in messages.values():
        if isinstance(location, dict):
            for field, problems in location.items():
                flat[str(field)] = [
                    str(p) for p in (problems if isinstance(problems, list) else [problems])
                ]
    return flat


def _handle_database_error(exc: DBAPIError) -> BaseResponse:
    state = _sqlstate(exc)
    if isinstance(exc, IntegrityError) and (
        state in CONFLICT_SQLSTATES or "UNIQUE constraint" in str(exc)
    ):
        return error_response(
            409, "Someone else changed this at the same moment. Please reload and try again."
        )
    if state in RETRYABLE_SQLSTATES or (
        isinstance(exc, OperationalError) and "database is locked" in str(exc)
    ):
        return error_response(503, headers={"Retry-After": "2"})
    log.exception("database error", exc_info=exc)
    return error_response(500)


def _handle_unexpected(exc: Exception) -> BaseResponse:
    if isinstance(exc, HTTPException):
        return _handle_http_error(exc)
    log.exception("unhandled error", exc_info=exc)
    return error_response(500)


def init_web(app: Flask) -> None:
    """Wire the request cycle. Must run after flask-smorest's Api(app), whose own handler
    would otherwise answer every HTTP error with its JSON."""
    login_manager = LoginManager(app)
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.login_view = "auth.sign_in"
    login_manager.session_protection = "basic"
    CSRFProtect(app)
    app.before_request(_before_request)
    app.after_request(_after_request)
    app.teardown_appcontext(_teardown)
    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(HTTPException, _handle_http_error)
    app.register_error_handler(DBAPIError, _handle_database_error)
    app.register_error_handler(Exception, _handle_unexpected)
