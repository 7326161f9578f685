"""Your account: password, signing out everywhere, and personal API tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user
from werkzeug.wrappers import Response

from coop.db import current_session
from coop.errors import Invalid
from coop.forms import ConfirmForm, PasswordChangeForm, TokenForm
from coop.services import accounts, tokens
from coop.views.forms import apply_errors
from coop.web import now

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(status: int = 200, **context: object) -> tuple[str, int]:
    context.setdefault("password_form", PasswordChangeForm(prefix="pw"))
    context.setdefault("token_form", TokenForm(prefix="tok"))
    return render_template(
        "account.html",
        tokens=tokens.tokens_of(current_session(), current_user),
        confirm_form=ConfirmForm(),
        **context,
    ), status


@login_required
def index() -> tuple[str, int]:
    return _page()


@login_required
def change_password() -> Response | tuple[str, int]:
    form = PasswordChangeForm(prefix="pw")
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_session(),
                current_user,
                current=form.current_password.data or "",
                new=form.new_password.data or "",
                now=now(),
            )
        except Invalid as exc:
            current_session().rollback()
            apply_errors(form, exc)
        else:
            login_user(
                current_user._get_current_object()
            )  # this device stays signed in, with the new generation
            flash(
                "Your password has been changed. You have been signed out on every other device.",
                "success",
            )
            return redirect(url_for("account.index"))
    return _page(422, password_form=form)


@login_required
def sign_out_everywhere() -> Response:
    ConfirmForm()  # the CSRF check already ran; nothing else to read
    accounts.end_other_sessions(current_session(), current_user, now=now())
    login_user(current_user._get_current_object())
    flash("You have been signed out on every other device. This one stays signed in.", "success")
    return redirect(url_for("account.index"))


@login_required
def create_token() -> tuple[str, int]:
    form = TokenForm(prefix="tok")
    if form.validate_on_submit():
        try:
            token, secret = tokens.create_token(
                current_session(),
                current_user,
                name=form.name.data or "",
                scope=form.scope.data or "",
                now=now(),
            )
        except Invalid as exc:
            current_session().rollback()
            apply_errors(form, exc)
        else:
            return _page(new_token=token, new_secret=secret)
    return _page(422, token_form=form)


@login_required
def revoke_token(token_id: int) -> Response | str:
    if request.method == "GET":
        token = tokens.own_token(current_session(), current_user, token_id)
        return render_template(
            "confirm.html",
            heading=f"Revoke the token “{token.name}”?",
            explanation="Anything that uses this token will stop working straight away. This cannot be undone.",
            action=url_for("account.revoke_token", token_id=token.id),
            button="Yes, revoke it",
            back=url_for("account.index"),
        )
    tokens.revoke_token(current_session(), current_user, token_id, now=now())
    flash("The token has been revoked. Anything using it will stop working.", "success")
    return redirect(url_for("account.index"))
