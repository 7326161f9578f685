"""Signing in and out, joining by invitation, and resetting a forgotten password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from coop.db import current_session
from coop.errors import Invalid
from coop.forms import JoinForm, NewPasswordForm, ResetRequestForm, SignInForm
from coop.services import accounts
from coop.views.forms import apply_errors
from coop.web import client_address, now

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: a sign-in link must never send the
    person somewhere else (an open redirect is a phishing tool)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(c in target for c in "\r\n\t\\"):
        return None
    return target


def sign_in() -> Response | str:
    """Sign in by e-mail address or username. Attempts are rate-limited per address (the
    app's limiter wraps this view: `coop.views.init_views`)."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
    form = SignInForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    failed = False
    if form.validate_on_submit():
        user = accounts.authenticate(
            current_session(),
            form.login.data or "",
            form.password.data or "",
            address=client_address(),
            now=now(),
        )
        if user is not None:
            login_user(user, remember=bool(form.remember.data))
            return redirect(safe_next(form.next.data) or url_for("home.index"))
        failed = True
    # A failed attempt is recorded, so this answer must commit: it is a 200 with the message.
    return render_template("auth/sign_in.html", form=form, failed=failed)


def sign_out() -> Response:
    logout_user()
    flash("You have signed out. Thank you for using Carecoop.", "success")
    return redirect(url_for("auth.sign_in"))


def join(token: str) -> Response | tuple[str, int]:
    session = current_session()
    invitation = accounts.find_invitation(session, token, now=now())
    form = JoinForm()
    if request.method == "GET":
        form.display_name.data = invitation.display_name
        form.username.data = invitation.email.split("@")[0].lower()
    if form.validate_on_submit():
        try:
            user = accounts.accept_invitation(
                session,
                token,
                username=form.username.data or "",
                display_name=form.display_name.data or "",
                password=form.password.data or "",
                now=now(),
            )
        except Invalid as exc:
            session.rollback()
            apply_errors(form, exc)
        else:
            login_user(user)
            flash(f"Welcome to Carecoop, {user.display_name}. Your account is ready.", "success")
            return redirect(url_for("home.index"))
    status = 422 if form.errors else 200
    return render_template("auth/join.html", form=form, invitation=invitation), status


def reset_request() -> Response | str:
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(
            current_session(),
            form.login.data or "",
            base_url=current_app.config["CARECOOP_BASE_URL"],
            now=now(),
        )
        return render_template("auth/reset_sent.html")
    return render_template("auth/reset_request.html", form=form)


def reset_password(token: str) -> Response | str | tuple[str, int]:
    session = current_session()
    accounts.find_reset(session, token, now=now())
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(session, token, form.password.data or "", now=now())
        except Invalid as exc:
            session.rollback()
            apply_errors(form, exc)
        else:
            logout_user()
            flash(
                "Your password has been changed. Please sign in with your new password.", "success"
            )
            return redirect(url_for("auth.sign_in"))
    status = 422 if form.errors else 200
    return render_template("auth/reset_password.html", form=form), status
