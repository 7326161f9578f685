"""The in-app inbox: a person's notifications, newest first, and marking them read. The
number of unread ones shows in the menu on every page."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from coop.db import current_session
from coop.services import inbox
from coop.views.auth import safe_next
from coop.web import now, signed_in_user, writes

bp = Blueprint("inbox", __name__)


_me = signed_in_user


@bp.app_context_processor
def _unread() -> dict[str, Callable[[], int | None]]:
    return {"inbox_unread": _unread_count}


def _unread_count() -> int | None:
    """How many notifications the signed-in person has not read, counted once per request and
    only when a page asks; None on an error page, which runs no query of its own."""
    if g.get("db_unavailable") or not current_user.is_authenticated:
        return None
    if "inbox_unread" not in g:
        g.inbox_unread = inbox.unread_count(current_session(), _me())
    count: int = g.inbox_unread
    return count


@login_required
def index() -> ResponseReturnValue:
    return render_template("inbox.html", notes=inbox.inbox(current_session(), _me()))


@login_required
@writes
def open_message(notification_id: int) -> ResponseReturnValue:
    """Follow a message to the page it is about, marking it read on the way."""
    note = inbox.mark_read(current_session(), _me(), notification_id, now=now())
    return redirect(safe_next(note.link) or url_for("inbox.index"))


@login_required
def mark_read(notification_id: int) -> ResponseReturnValue:
    inbox.mark_read(current_session(), _me(), notification_id, now=now())
    return redirect(url_for("inbox.index"))


@login_required
def read_all() -> ResponseReturnValue:
    done = inbox.mark_all_read(current_session(), _me(), now=now())
    flash(
        "Everything in your inbox is marked as read." if done else "There was nothing new to mark.",
        "success",
    )
    return redirect(url_for("inbox.index"))
