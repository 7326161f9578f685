"""The home page, which tells a signed-in person what they can do next, and the staff dashboard."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from markupsafe import Markup

from coop import policy
from coop.db import current_session
from coop.errors import NotFound
from coop.extension import current
from coop.services import inbox
from coop.web import now

bp = Blueprint("home", __name__)


def index() -> str:
    if not current_user.is_authenticated:
        return render_template("home_public.html")
    session, user = current_session(), current_user._get_current_object()
    return render_template(
        "home.html",
        cards=current().registry.home_cards_for(user, session),
        waiting=inbox.unread(session, user),
    )


@login_required
def dashboard() -> str:
    if not policy.can_view_dashboard(current_user):
        raise NotFound("We could not find that page.")
    session, user, moment = current_session(), current_user._get_current_object(), now()
    panels = [
        (p.title, Markup(p.render(session, user, moment)))
        for p in current().registry.dashboard_panels_for(user)
    ]
    return render_template("dashboard.html", panels=panels)
